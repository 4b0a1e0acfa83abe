import type { PixelCNNConfig } from '../../model/config';

/** True when two configs build the same network (every field equal). */
export function sameConfig(a: PixelCNNConfig, b: PixelCNNConfig): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof PixelCNNConfig>;
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}
