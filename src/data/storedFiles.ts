import { type FieldReport, emptyReport, isRecord } from '../model/fields';
import type { InputFile } from './types';

/**
 * The user's images as kept in browser storage (the engine's dataset store),
 * read file by file: an entry without a name or bytes, or with either of
 * the wrong kind, is left out and named ("file 3: bytes"), a type of the
 * wrong kind is dropped, and the rest are used. Never throws.
 */
export function readStoredFiles(raw: unknown): { files: InputFile[] | null; report: FieldReport } {
  const report = emptyReport();
  if (raw === null || raw === undefined) return { files: null, report };
  if (!Array.isArray(raw)) {
    report.wrongKind.push('files');
    return { files: null, report };
  }
  const files: InputFile[] = [];
  raw.forEach((entry: unknown, i) => {
    const name = `file ${i + 1}`;
    if (!isRecord(entry)) {
      report.wrongKind.push(name);
      return;
    }
    const problem = (field: string) => (entry[field] === undefined ? report.missing : report.wrongKind).push(`${name}: ${field}`);
    const named = typeof entry.name === 'string';
    const bytes = entry.bytes instanceof ArrayBuffer || entry.bytes instanceof Uint8Array;
    if (!named) problem('name');
    if (!bytes) problem('bytes');
    if (!named || !bytes) return;
    const typed = entry.type === undefined || typeof entry.type === 'string';
    if (!typed) problem('type');
    files.push({
      name: entry.name as string,
      bytes: entry.bytes as ArrayBuffer | Uint8Array,
      ...(typed && entry.type !== undefined ? { type: entry.type as string } : {}),
    });
  });
  return { files, report };
}
