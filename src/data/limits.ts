/**
 * Hard limits that keep one careless drop from exhausting a browser tab's
 * memory. They live together so the messages that quote them stay in step
 * with the checks that enforce them.
 */

/** Images considered per import; more are reported as skipped. */
export const MAX_FILES = 5000;

/**
 * A decoded image costs width × height × 4 bytes before any resizing, so the
 * decoder refuses anything larger than this. 8192 px is also the largest
 * canvas side every current browser supports.
 */
export const MAX_IMAGE_SIDE = 8192;
export const MAX_IMAGE_PIXELS = 40_000_000;

/** A zip may not expand to more than this many bytes in total (zip-bomb guard). */
export const MAX_ZIP_TOTAL_BYTES = 512 * 1024 * 1024;
/** A zip may not list more than this many entries, folders and clutter included. */
export const MAX_ZIP_ENTRIES = 20_000;

/**
 * Formats a whole number with thousands separators, e.g. 5,000. Done by hand
 * rather than with toLocaleString so messages are identical in every locale
 * and in tests.
 */
export function formatCount(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Why an image of this size cannot be used, or null if it can.
 * Shared by the header pre-check (before decoding) and the decoder itself.
 */
export function imageSizeProblem(width: number, height: number): string | null {
  if (!(width > 0) || !(height > 0)) {
    return `zero-sized image (${width}×${height})`;
  }
  // A decoder reports whole pixels; anything else is not an image size.
  if (!Number.isInteger(width) || !Number.isInteger(height)) {
    return `not an image size (${width}×${height} px)`;
  }
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    return `image too large (${width}×${height} px; the limit is ${MAX_IMAGE_SIDE} px per side ` + `and ${MAX_IMAGE_PIXELS / 1_000_000} megapixels)`;
  }
  return null;
}

/** The reason given for files beyond the MAX_FILES cap. */
export function overCapReason(maxFiles: number): string {
  return `over the ${formatCount(maxFiles)}-file cap`;
}
