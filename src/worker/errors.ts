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
