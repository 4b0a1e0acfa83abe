import type { EngineRequest, ErrorContext } from '../protocol';

/**
 * The panel a request's failure is shown in, unless the failure names its
 * own (a UserFacingError's context): the panel of the control that sent it.
 * A new request must be given one here (the switch covers every request).
 */
export function requestPanel(request: EngineRequest): ErrorContext {
  switch (request.type) {
    case 'init':
      return 'backend';
    case 'importImages':
    case 'cancelImport':
    case 'useBuiltinDataset':
      return 'dataset';
    case 'train':
    case 'pause':
    case 'step':
    case 'updateTrainSettings':
      return 'training';
    case 'sample':
    case 'complete':
    case 'completeDrawing':
    case 'setSampleDelay':
    case 'stopSampling':
    case 'setBeliefImage':
    case 'inspect':
      return 'sampling';
    case 'rankHeldOut':
      return 'dataset';
    case 'exportModel':
      return 'export';
    case 'importModel':
      return 'import';
    case 'setConfig':
    case 'resetModel':
    case 'useStart':
    case 'restoreCheckpoint':
    case 'deleteCheckpoint':
    case 'saveNow':
    case 'setSaving':
      return 'model';
  }
}
