import { AboutFooter } from './panels/AboutFooter';
import { BackendBadge } from './panels/BackendBadge';
import { DatasetPanel } from './panels/DatasetPanel';
import { EngineBanner } from './panels/EngineBanner';
import { HistoryPanel } from './panels/HistoryPanel';
import { MaskPanel } from './panels/MaskPanel';
import { ModelPanel } from './panels/ModelPanel';
import { Notices } from './panels/Notices';
import { SamplingPanel } from './panels/SamplingPanel';
import { StorageBanner } from './panels/StorageBanner';
import { TrainingPanel } from './panels/TrainingPanel';
import { useLayoutEffect } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary';
import { startupStep } from './safeStart';
import { useStudio } from './store';
import { useKeyboardShortcuts } from './useKeyboardShortcuts';

/**
 * The page: each panel (and each strip above them) behind its own error
 * boundary, so one that crashes leaves the others and offers a way out
 * (ErrorBoundary, CrashFallback); main.tsx puts the whole page behind one too.
 */
export function App() {
  useKeyboardShortcuts();
  useStartupWatch();
  return (
    <div className="app">
      <header className="app-header">
        <div className="title-block">
          <h1>PixelCNN Studio</h1>
          <p className="tagline">Watch a neural network learn to draw, one sub-pixel at a time.</p>
        </div>
        <ErrorBoundary name="Backend">
          <BackendBadge />
        </ErrorBoundary>
      </header>
      <ErrorBoundary name="Engine status">
        <EngineBanner />
        <StorageBanner />
      </ErrorBoundary>
      <ErrorBoundary name="Notices">
        <Notices />
      </ErrorBoundary>
      <main className="panel-grid">
        <ErrorBoundary name="Sampling" className="panel-sampling">
          <SamplingPanel />
        </ErrorBoundary>
        <ErrorBoundary name="Training" className="panel-training">
          <TrainingPanel />
        </ErrorBoundary>
        <ErrorBoundary name="Dataset" className="panel-dataset">
          <DatasetPanel />
        </ErrorBoundary>
        <ErrorBoundary name="Model" className="panel-model">
          <ModelPanel />
        </ErrorBoundary>
        <ErrorBoundary name="Masks" className="panel-masks">
          <MaskPanel />
        </ErrorBoundary>
        <ErrorBoundary name="History" className="panel-history">
          <HistoryPanel />
        </ErrorBoundary>
      </main>
      <AboutFooter />
    </div>
  );
}

/**
 * A step of a successful start: the page has shown the engine's first model.
 * A layout effect of the page's root runs after its children's, so a panel
 * that crashed on that model has said so already (safeStart.ts).
 */
function useStartupWatch(): void {
  const shown = useStudio((s) => s.engine.state === 'ready' && s.model !== null);
  useLayoutEffect(() => {
    if (shown) startupStep('modelShown');
  }, [shown]);
}
