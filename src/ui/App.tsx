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
import { useKeyboardShortcuts } from './useKeyboardShortcuts';

export function App() {
  useKeyboardShortcuts();
  return (
    <div className="app">
      <header className="app-header">
        <div className="title-block">
          <h1>PixelCNN Studio</h1>
          <p className="tagline">Watch a neural network learn to draw, one sub-pixel at a time.</p>
        </div>
        <BackendBadge />
      </header>
      <EngineBanner />
      <StorageBanner />
      <Notices />
      <main className="panel-grid">
        <SamplingPanel />
        <TrainingPanel />
        <DatasetPanel />
        <ModelPanel />
        <MaskPanel />
        <HistoryPanel />
      </main>
      <AboutFooter />
    </div>
  );
}
