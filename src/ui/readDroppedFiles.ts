import { MAX_FILES, overCapReason } from '../data/limits';
import type { InputFile, SkippedFile } from '../data/types';

/**
 * Gathers what the user dropped or picked into named files. Folders are
 * walked recursively and each file keeps its path relative to the drop, so
 * the skipped-files list can say exactly which file had a problem. Zips are
 * passed through as they are; the engine unpacks them.
 */

export interface NamedFile {
  name: string;
  file: File;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function isDirectory(entry: FileSystemEntry): entry is FileSystemDirectoryEntry {
  return entry.isDirectory;
}

function isFile(entry: FileSystemEntry): entry is FileSystemFileEntry {
  return entry.isFile;
}

function relativeName(entry: FileSystemEntry): string {
  return entry.fullPath.replace(/^\/+/, '') || entry.name;
}

async function walkDirectory(directory: FileSystemDirectoryEntry, into: NamedFile[]): Promise<void> {
  const reader = directory.createReader();
  // readEntries hands out a directory in batches (100 in Chrome) until it returns none.
  for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader)) {
    for (const entry of batch) {
      if (isDirectory(entry)) await walkDirectory(entry, into);
      else if (isFile(entry)) into.push({ name: relativeName(entry), file: await fileOf(entry) });
    }
  }
}

/**
 * Must be called synchronously inside the drop handler: the browser empties
 * DataTransfer.items as soon as the event returns, so the entries are taken
 * first and walked afterwards.
 */
export function collectDropped(dataTransfer: DataTransfer): Promise<NamedFile[]> {
  const directories: FileSystemDirectoryEntry[] = [];
  const files: NamedFile[] = [];
  const items = Array.from(dataTransfer.items ?? []).filter((item) => item.kind === 'file');
  for (const item of items) {
    const entry = item.webkitGetAsEntry?.() ?? null;
    if (entry && isDirectory(entry)) {
      directories.push(entry);
      continue;
    }
    const file = item.getAsFile();
    if (file) files.push({ name: file.webkitRelativePath || file.name, file });
  }
  if (items.length === 0) {
    for (const file of Array.from(dataTransfer.files)) files.push({ name: file.webkitRelativePath || file.name, file });
  }
  return (async () => {
    for (const directory of directories) await walkDirectory(directory, files);
    return files;
  })();
}

/** Files from an <input type=file>, named by their folder path when a folder was picked. */
export function collectPicked(list: FileList): NamedFile[] {
  return Array.from(list, (file) => ({ name: file.webkitRelativePath || file.name, file }));
}

export interface ReadResult {
  files: InputFile[];
  /** Files beyond the cap, not read at all, each with the reason. */
  leftOut: SkippedFile[];
}

/**
 * Reads bytes (no decoding: that is the engine's job) for at most MAX_FILES
 * files, in name order so the same folder always gives the same dataset.
 * `signal` stops the reading between files (the promise rejects with its reason).
 */
export async function readForImport(named: NamedFile[], onProgress: (done: number, total: number) => void, signal?: AbortSignal): Promise<ReadResult> {
  const sorted = [...named].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const kept = sorted.slice(0, MAX_FILES);
  const files: InputFile[] = new Array(kept.length);
  let done = 0;
  let next = 0;
  // A few reads in flight keeps the disk busy without opening thousands of files at once.
  const worker = async () => {
    while (next < kept.length) {
      signal?.throwIfAborted();
      const index = next++;
      const { name, file } = kept[index];
      files[index] = { name, bytes: await file.arrayBuffer(), type: file.type || undefined };
      done++;
      onProgress(done, kept.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, kept.length) }, worker));
  signal?.throwIfAborted();
  return { files, leftOut: sorted.slice(MAX_FILES).map(({ name }) => ({ name, reason: overCapReason(MAX_FILES) })) };
}
