/** The readable text of anything thrown, for messages that cross to the page. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
