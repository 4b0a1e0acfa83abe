/**
 * Unpacks the images inside a dropped .zip. Uses fflate's synchronous
 * unzip: the import already runs in a worker, so blocking is harmless, and
 * fflate's async variant would try to start workers of its own.
 */

import { unzipSync, type UnzipFileInfo } from 'fflate';
import { asUint8Array, baseName } from './bytes';
import { MAX_ZIP_ENTRIES, MAX_ZIP_TOTAL_BYTES, formatCount } from './limits';
import { isZipArchive, notAnImageReason, sniffImageFormat } from './sniff';
import type { InputFile, SkippedFile } from './types';

/** A zip that cannot be used at all; the message names the file and says why. */
export class ZipError extends Error {
  override name = 'ZipError';
}

export interface ZipLimits {
  /** Most bytes all extracted entries may add up to. */
  maxTotalBytes: number;
  /** Most entries (files, folders and clutter) the archive may list. */
  maxEntries: number;
}

export const DEFAULT_ZIP_LIMITS: Readonly<ZipLimits> = {
  maxTotalBytes: MAX_ZIP_TOTAL_BYTES,
  maxEntries: MAX_ZIP_ENTRIES,
};

export interface ZipContents {
  /** The image entries, named "<zip name>/<path inside the zip>". */
  files: InputFile[];
  /** Entries that are not usable images, with the reason. */
  skipped: SkippedFile[];
  /** Clutter left out silently (__MACOSX/, .DS_Store, ._*, Thumbs.db, hidden files). */
  ignored: number;
}

const JUNK_NAMES = new Set(['thumbs.db', 'desktop.ini', 'ehthumbs.db']);

/**
 * True for files that operating systems and archivers add without the user
 * meaning to: macOS resource forks (__MACOSX/, ._name), Finder and Explorer
 * caches, and hidden files or folders in general. These are ignored rather
 * than reported, because listing them would bury the real problems.
 */
export function isJunkPath(path: string): boolean {
  const parts = normalisePath(path)
    .split('/')
    .filter((p) => p !== '');
  if (parts.some((p) => p === '__MACOSX' || p.startsWith('.'))) return true;
  return JUNK_NAMES.has(baseName(path).toLowerCase());
}

/** Forward slashes only, no leading slash or "./": zips made on Windows sometimes use backslashes. */
function normalisePath(path: string): string {
  return path
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '.')
    .join('/')
    .replace(/^\/+/, '');
}

const COMPRESSION_METHODS: Readonly<Record<number, string>> = {
  9: 'Deflate64',
  12: 'bzip2',
  14: 'LZMA',
  93: 'Zstandard',
  95: 'XZ',
  98: 'PPMd',
  99: 'AES encryption',
};

function megabytes(bytes: number): string {
  return `${formatCount(Math.round(bytes / (1024 * 1024)))} MB`;
}

/**
 * Extracts every image entry of a zip, keeping folder paths in the names so
 * the user can tell "cats/1.jpg" from "dogs/1.jpg". Non-image entries come
 * back as skipped; a zip inside the zip is not opened.
 *
 * Zip-bomb guard: sizes are checked from the central directory before
 * anything is inflated, and fflate inflates each entry into a buffer of
 * exactly its declared size, so a lying header cannot make it grow further.
 *
 * @throws ZipError if the archive is corrupt or exceeds the limits.
 */
export function extractZip(zipName: string, bytes: ArrayBuffer | Uint8Array, limits: ZipLimits = DEFAULT_ZIP_LIMITS): ZipContents {
  const data = asUint8Array(bytes);
  const skipped: SkippedFile[] = [];
  let ignored = 0;
  let entries = 0;
  let totalBytes = 0;
  const entryName = (path: string): string => `${zipName}/${normalisePath(path)}`;

  const filter = (info: UnzipFileInfo): boolean => {
    entries++;
    if (entries > limits.maxEntries) {
      throw new ZipError(
        `"${zipName}" lists more than ${formatCount(limits.maxEntries)} entries, which is too many to open safely; ` +
          'unzip it and drop the images (or a smaller zip) instead.',
      );
    }
    const path = normalisePath(info.name);
    if (path === '' || info.name.endsWith('/') || info.name.endsWith('\\')) return false; // a folder
    // Listed before the junk check, which would take ".." for a hidden name and drop it unreported.
    if (path.split('/').includes('..')) {
      skipped.push({ name: entryName(path), reason: 'its path inside the zip climbs out of the zip (".."), so it was not opened' });
      return false;
    }
    // fflate hands entries back as the keys of a plain object, where "__proto__" is no key: it would vanish unreported.
    if (info.name === '__proto__') {
      skipped.push({ name: entryName(path), reason: 'its name inside the zip ("__proto__") cannot be opened; rename it and zip it again' });
      return false;
    }
    if (isJunkPath(path)) {
      ignored++;
      return false;
    }
    if (info.compression !== 0 && info.compression !== 8) {
      const method = COMPRESSION_METHODS[info.compression] ?? `method ${info.compression}`;
      skipped.push({
        name: entryName(path),
        reason: `compressed with an unsupported zip method (${method}); re-create the zip with standard Deflate compression`,
      });
      return false;
    }
    if (!Number.isFinite(info.originalSize) || info.originalSize < 0 || !Number.isFinite(info.size)) {
      throw new ZipError(`"${zipName}" is not a readable zip archive (its table of contents is damaged).`);
    }
    // Stored entries are copied at their compressed size, deflated ones inflate to the declared size.
    totalBytes += Math.max(info.size, info.originalSize);
    if (totalBytes > limits.maxTotalBytes) {
      throw new ZipError(
        `"${zipName}" would expand to more than ${megabytes(limits.maxTotalBytes)}, which is too large to open in the browser; ` +
          'drop a smaller selection of images.',
      );
    }
    return true;
  };

  let extracted: Record<string, Uint8Array>;
  try {
    extracted = unzipSync(data, { filter });
  } catch (error) {
    if (error instanceof ZipError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new ZipError(`"${zipName}" is not a readable zip archive (${detail}); it may be corrupt or truncated.`);
  }

  const files: InputFile[] = [];
  for (const [rawPath, content] of Object.entries(extracted)) {
    const name = entryName(rawPath);
    if (sniffImageFormat(content)) {
      files.push({ name, bytes: content });
    } else if (isZipArchive(content)) {
      skipped.push({ name, reason: 'a zip inside a zip is not opened; extract it and drop its contents' });
    } else {
      skipped.push({ name, reason: notAnImageReason(name, content) });
    }
  }
  return { files, skipped, ignored };
}
