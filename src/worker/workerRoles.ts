/**
 * The roles a worker running engine.worker.ts plays, told apart by the name
 * it was started under: the engine (no name), a backend-trial worker, or a
 * training helper. Plain string tests, no tfjs, so the worker entry can tell
 * its role before it loads any.
 */

/** A trial worker's name: this prefix and the backend it times (trial.worker.ts). */
export const TRIAL_WORKER_PREFIX = 'trial-';
/** A training helper's name: this prefix and its number (dataParallel/helperWorker.ts). */
export const TRAINING_HELPER_PREFIX = 'training-helper-';

/** True in a worker started as a trial worker. */
export function isTrialWorker(scope: { name: string }): boolean {
  return scope.name.startsWith(TRIAL_WORKER_PREFIX);
}

/** True in a worker started as a training helper. */
export function isTrainingHelper(scope: { name: string }): boolean {
  return scope.name.startsWith(TRAINING_HELPER_PREFIX);
}
