import { useEffect } from 'react';
import { sampleImages, toggleTraining } from './actions';
import { useStudio } from './store';

/** Typing in a field, or pressing Space on a button, must keep its usual meaning. */
function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest('input, select, textarea') !== null;
}

function isPressable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('button, a, summary, [role="button"]') !== null;
}

/** Space trains or pauses; "s" samples. */
export function useKeyboardShortcuts(): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
      if (isTypingTarget(event.target)) return;
      const { engine, sampling } = useStudio.getState();
      if (engine.state !== 'ready') return;
      if (event.key === ' ' && !isPressable(event.target)) {
        event.preventDefault();
        toggleTraining();
      } else if (event.key === 's' || event.key === 'S') {
        if (!sampling.running) sampleImages();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
