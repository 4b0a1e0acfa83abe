// First: the engine worker starts before the rest of the page's code is evaluated (preloadEngine.ts).
import './preloadEngine';
import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { ErrorBoundary } from './ui/components/ErrorBoundary';
import { startEngine } from './ui/engineClient';
import { beginStartup } from './ui/safeStart';
import { claimStorageAtStart, saveWhenLeaving } from './ui/tabStorage';
import { startUrlState } from './ui/urlState';
import './ui/styles.css';

// Marks this start as under way; a mark left by the last visit means its start failed, and the engine starts safely (safeStart.ts).
beginStartup();
// A shared link's settings (the URL hash) apply before the engine's first run.
startUrlState();
// Started here, once, rather than in an effect that StrictMode would run twice; first
// the browser says whether this tab may save (another tab may own the saved model).
void claimStorageAtStart().then(() => startEngine());
saveWhenLeaving();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element.');
// A transition renders in slices: between them the browser can start the engine worker, whose
// thread only starts once this thread is free, instead of waiting for the whole first render and layout.
startTransition(() => {
  createRoot(root).render(
    <StrictMode>
      <ErrorBoundary name="PixelCNN Studio" scope="app">
        <App />
      </ErrorBoundary>
    </StrictMode>,
  );
});
