import { create } from 'zustand';
import type { PixelCNNConfig } from '../model/config';

/**
 * A model file of another architecture, waiting for the user to say whether
 * to switch to it: the engine changed nothing yet, and the page keeps the
 * file's text to send again with the user's word.
 */
export interface ImportOffer {
  fileName: string;
  config: PixelCNNConfig;
  steps: number;
  text: string;
}

export const useImportOffer = create<{ offer: ImportOffer | null }>(() => ({ offer: null }));

/** The text of the file last sent for import, kept until the engine answers. */
let lastImport: { text: string; fileName: string } | null = null;

export function rememberImport(text: string, fileName: string): void {
  lastImport = { text, fileName };
}

/** The engine asks: offer the switch for the file it names. */
export function offerSwitch(fileName: string, config: PixelCNNConfig, steps: number): void {
  if (!lastImport || lastImport.fileName !== fileName) return;
  useImportOffer.setState({ offer: { fileName, config, steps, text: lastImport.text } });
}

export function dropOffer(): void {
  useImportOffer.setState({ offer: null });
}
