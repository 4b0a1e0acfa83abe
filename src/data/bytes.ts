/**
 * Small helpers for the two byte containers files arrive in. The UI may hand
 * over an ArrayBuffer (File.arrayBuffer()) or a view (from a zip), and
 * Blob/fflate want a Uint8Array, so everything is normalised here once.
 */

/** A Uint8Array view of the bytes, without copying. */
export function asUint8Array(bytes: ArrayBuffer | Uint8Array): Uint8Array {
  return bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
}

/**
 * A view whose buffer is a plain ArrayBuffer, as Blob requires. A view on a
 * SharedArrayBuffer is copied; anything else is passed through as is.
 */
export function asBlobPart(bytes: ArrayBuffer | Uint8Array): Uint8Array<ArrayBuffer> {
  const view = asUint8Array(bytes);
  return view.buffer instanceof ArrayBuffer ? (view as Uint8Array<ArrayBuffer>) : new Uint8Array(view);
}

/** The lower-case extension of a path including the dot, or '' if it has none. */
export function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

/** The last component of a slash-separated path. */
export function baseName(name: string): string {
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
