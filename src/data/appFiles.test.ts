import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchAppFile, prefetchAppFile } from './appFiles';

/** A fetch that counts its calls and answers every URL with its own bytes. */
function countingFetch() {
  const calls: string[] = [];
  const fetch = vi.fn(async (url: string) => {
    calls.push(url);
    if (url.includes('missing')) return new Response('not found', { status: 404 });
    return new Response(new TextEncoder().encode(url), { status: 200, headers: { 'content-type': 'application/octet-stream' } });
  });
  return { calls, fetch };
}

describe('prefetching an app file', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('is taken over by the next fetch of the same file, once; later fetches go to the network again', async () => {
    const { calls, fetch } = countingFetch();
    vi.stubGlobal('fetch', fetch);
    vi.stubGlobal('location', { href: 'http://localhost/assets/engine.worker.js' });
    prefetchAppFile('models/a.json');
    prefetchAppFile('models/a.json');
    expect(calls).toHaveLength(1);
    const bytes = await fetchAppFile('models/a.json');
    expect(new TextDecoder().decode(bytes!)).toBe('http://localhost/models/a.json');
    expect(calls).toHaveLength(1);
    await fetchAppFile('models/a.json');
    expect(calls).toHaveLength(2);
  });

  it('hands over what the fetch found, a missing file included', async () => {
    const { fetch } = countingFetch();
    vi.stubGlobal('fetch', fetch);
    vi.stubGlobal('location', { href: 'http://localhost/assets/engine.worker.js' });
    prefetchAppFile('models/missing.json');
    expect(await fetchAppFile('models/missing.json')).toBeNull();
  });
});
