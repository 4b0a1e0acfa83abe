/**
 * main.tsx's first import: modules are evaluated in import order, so the
 * engine worker starts here, before React and the panels are evaluated,
 * and its script loads (and on a first visit draws its first grid) while
 * they are.
 */
import { preloadEngineWorker } from './ui/workerLauncher';

preloadEngineWorker();
