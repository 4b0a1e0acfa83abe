import type { ErrorContext } from './protocol';

/** The readable text of anything thrown, for messages that cross to the page. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** An error whose message is already a sentence for the user, with the panel it belongs to. */
export class UserFacingError extends Error {
  constructor(
    readonly context: ErrorContext,
    message: string,
  ) {
    super(message);
  }
}

/**
 * For a failure that leaves the engine unusable, what happened in words a
 * user understands; null for an ordinary error. A WebAssembly abort
 * ("Aborted(). Build with -sASSERTIONS…") or an exhausted heap leaves the
 * wasm module dead, and a lost GPU device leaves WebGPU or WebGL dead:
 * every later request would fail the same way, so the engine must start over.
 */
export function fatalEngineProblem(error: unknown): string | null {
  // The app's own sentences for the user are refusals, never a dead engine, whatever words they quote (a file's name, or memory in a refusal of a batch too big).
  if (error instanceof UserFacingError) return null;
  const text = errorText(error);
  const name = error instanceof Error ? error.name : '';
  if (/Aborted\(|RuntimeError|-sASSERTIONS|unreachable executed|memory access out of bounds/i.test(`${name} ${text}`)) {
    return 'the engine ran out of memory or hit an internal error in its WebAssembly code';
  }
  // "OOM" as a word, in capitals: not the "room" of "less room for fragmentation".
  if (/out of memory|Cannot enlarge memory|allocation failed/i.test(text) || /\bOOM\b/.test(text)) {
    return 'the engine ran out of memory';
  }
  if (/device (was |is )?lost|context lost|CONTEXT_LOST/i.test(text)) {
    return 'the graphics device stopped responding';
  }
  return null;
}

/** Any engine message, with a raw WebAssembly abort text replaced by plain words. */
export function plainEngineText(text: string): string {
  const fatal = fatalEngineProblem(new Error(text));
  return fatal && /Aborted\(|-sASSERTIONS|RuntimeError/.test(text) ? `${fatal[0].toUpperCase()}${fatal.slice(1)}.` : text;
}
