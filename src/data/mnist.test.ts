import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppFileError, appUrlCandidates } from './appFiles';
import { gzipSync } from 'node:zlib';
import { MNIST_MISSING_MESSAGE, MnistError, inflateIfGzip, isGzip, loadMnist, mnistLabelsOf, parseMnist } from './mnist';

/** Two synthetic 28×28 images: a horizontal ramp and its negative. */
function syntheticMnist(): Uint8Array {
  const bytes = new Uint8Array(2 * 784);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(((i % 28) / 27) * 255);
    bytes[i] = v;
    bytes[784 + i] = 255 - v;
  }
  return bytes;
}

describe('parseMnist', () => {
  it('keeps bytes as they are at 256 levels', () => {
    const bytes = syntheticMnist();
    const dataset = parseMnist(bytes, 256);
    expect(dataset).toMatchObject({ width: 28, height: 28, channels: 1, levels: 256, count: 2 });
    expect(Array.from(dataset.pixels)).toEqual(Array.from(bytes));
    expect(dataset.pixels).not.toBe(bytes); // a copy: the caller's buffer is left alone
  });

  it('quantises to fewer levels', () => {
    const dataset = parseMnist(syntheticMnist(), 2);
    expect(Array.from(dataset.pixels.subarray(0, 28))).toEqual(Array.from({ length: 28 }, (_, x) => (x >= 14 ? 1 : 0)));
    expect(Array.from(dataset.pixels.subarray(784, 784 + 28))).toEqual(Array.from({ length: 28 }, (_, x) => (x >= 14 ? 0 : 1)));
  });

  it('makes the digits their classes when given one label per image', () => {
    const dataset = parseMnist(syntheticMnist(), 256, '70');
    expect(Array.from(dataset.labels!)).toEqual([7, 0]);
    expect(dataset.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(parseMnist(syntheticMnist(), 256).labels).toBeUndefined();
  });

  it('rejects labels that do not fit the images', () => {
    expect(() => parseMnist(syntheticMnist(), 256, '7')).toThrow(/labels are damaged: expected 2 digits/);
    expect(() => parseMnist(syntheticMnist(), 256, '7x')).toThrow(MnistError);
    expect(mnistLabelsOf('{"labels":"01"}')).toBe('01');
    expect(mnistLabelsOf('{"count":2}')).toBeUndefined();
    expect(() => mnistLabelsOf('not json')).toThrow(MnistError);
  });

  it('rejects data that is not whole images', () => {
    expect(() => parseMnist(new Uint8Array(785), 256)).toThrow(/not a whole number of 28×28 images/);
    expect(() => parseMnist(new Uint8Array(0), 256)).toThrow(MnistError);
  });
});

describe('appUrlCandidates', () => {
  it('uses the origin for an absolute base, from a page or a worker', () => {
    expect(appUrlCandidates('data/m.bin', { viteBase: '/', locationHref: 'http://h:5173/assets/worker-1.js', inWorker: true })).toEqual([
      'http://h:5173/data/m.bin',
    ]);
    expect(appUrlCandidates('data/m.bin', { viteBase: '/app/', locationHref: 'http://h/src/worker/w.ts?worker_file', inWorker: true })).toEqual([
      'http://h/app/data/m.bin',
    ]);
  });

  it('also tries the parent of the worker folder for a relative base', () => {
    expect(appUrlCandidates('data/m.bin', { viteBase: './', locationHref: 'https://x.io/demo/assets/worker-1.js', inWorker: true })).toEqual([
      'https://x.io/demo/assets/data/m.bin',
      'https://x.io/demo/data/m.bin',
    ]);
    expect(appUrlCandidates('data/m.bin', { viteBase: './', locationHref: 'https://x.io/demo/index.html', inWorker: false })).toEqual([
      'https://x.io/demo/data/m.bin',
    ]);
  });

  it('prefers an explicit base URL and leaves absolute URLs alone', () => {
    expect(appUrlCandidates('data/m.bin', { baseUrl: 'https://x.io/demo/', viteBase: './', locationHref: 'https://x.io/a/b.js', inWorker: true })).toEqual([
      'https://x.io/demo/data/m.bin',
    ]);
    expect(appUrlCandidates('https://cdn.example/m.bin', { viteBase: '/', inWorker: true })).toEqual(['https://cdn.example/m.bin']);
  });

  it('explains when it cannot resolve a relative path outside a browser', () => {
    expect(() => appUrlCandidates('data/m.bin', { viteBase: '/', inWorker: false })).toThrow(AppFileError);
  });
});

describe('loadMnist over HTTP', () => {
  let server: Server;
  let base = '';
  const body = syntheticMnist();

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/app/data/mnist-28x28.bin.gz' || request.url === '/labelled/data/mnist-28x28.bin.gz') {
        response.writeHead(200, { 'content-type': 'application/gzip' });
        response.end(gzipSync(body));
      } else if (request.url === '/encoded/data/mnist-28x28.bin.gz') {
        // A host that sends the .gz with Content-Encoding: gzip: fetch inflates it already.
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
        response.end(gzipSync(body));
      } else if (request.url === '/damaged/data/mnist-28x28.bin.gz') {
        response.writeHead(200, { 'content-type': 'application/gzip' });
        const packed = gzipSync(body);
        response.end(packed.subarray(0, packed.length >> 1));
      } else if (request.url === '/labelled/data/mnist-28x28.json') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ count: 2, labels: '31' }));
      } else if (request.url === '/spa/data/mnist-28x28.bin.gz') {
        // What Vite's dev server does for a missing file: the app's index.html.
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<!doctype html><title>app</title>');
      } else if (request.url === '/broken/data/mnist-28x28.bin.gz') {
        response.writeHead(500);
        response.end();
      } else {
        response.writeHead(404);
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fetches and quantises the digits', async () => {
    const dataset = await loadMnist(undefined, 4, { baseUrl: `${base}/app/` });
    expect(dataset.count).toBe(2);
    expect(dataset.levels).toBe(4);
    expect(dataset.pixels[0]).toBe(0);
    expect(dataset.pixels[27]).toBe(3);
  });

  it('inflates the gzipped digits, also when the host has already undone the gzip', async () => {
    const fromGzip = await loadMnist(undefined, 256, { baseUrl: `${base}/app/` });
    expect(Array.from(fromGzip.pixels)).toEqual(Array.from(body));
    const fromEncoded = await loadMnist(undefined, 256, { baseUrl: `${base}/encoded/` });
    expect(Array.from(fromEncoded.pixels)).toEqual(Array.from(body));
  });

  it('says a damaged gzip stream is damaged, and what to run', async () => {
    await expect(loadMnist(undefined, 256, { baseUrl: `${base}/damaged/` })).rejects.toThrow(
      /Built-in MNIST data is damaged: the gzipped digits do not inflate .*run npm run prepare-data/,
    );
  });

  it('reads the labels from the description beside the digits, and does without one', async () => {
    const labelled = await loadMnist(undefined, 256, { baseUrl: `${base}/labelled/` });
    expect(Array.from(labelled.labels!)).toEqual([3, 1]);
    expect(labelled.classNames).toHaveLength(10);
    const unlabelled = await loadMnist(undefined, 256, { baseUrl: `${base}/app/` });
    expect(unlabelled.labels).toBeUndefined();
  });

  it('says how to fix a missing file (404 or HTML fallback)', async () => {
    await expect(loadMnist(undefined, 256, { baseUrl: `${base}/nothing/` })).rejects.toThrow(MNIST_MISSING_MESSAGE);
    await expect(loadMnist(undefined, 256, { baseUrl: `${base}/spa/` })).rejects.toThrow(MNIST_MISSING_MESSAGE);
  });

  it('reports other HTTP failures with the status', async () => {
    await expect(loadMnist(undefined, 256, { baseUrl: `${base}/broken/` })).rejects.toThrow(/could not be loaded .*HTTP 500/);
  });
});

describe('inflateIfGzip', () => {
  it('inflates a gzip stream and passes raw digits through untouched', async () => {
    const raw = syntheticMnist();
    expect(isGzip(raw)).toBe(false);
    expect(await inflateIfGzip(raw)).toBe(raw);
    const packed = new Uint8Array(gzipSync(raw));
    expect(isGzip(packed)).toBe(true);
    expect(Array.from(await inflateIfGzip(packed))).toEqual(Array.from(raw));
  });
});

const generated = new URL('../../public/data/mnist-28x28.bin.gz', import.meta.url);
const generatedMeta = new URL('../../public/data/mnist-28x28.json', import.meta.url);

describe.runIf(existsSync(generated) && existsSync(generatedMeta))('the generated MNIST file', () => {
  it('parses, with a label for every digit and every digit among them', async () => {
    const meta = JSON.parse(readFileSync(generatedMeta, 'utf8')) as { count: number; labels: string };
    const dataset = parseMnist(await inflateIfGzip(new Uint8Array(readFileSync(generated))), 256, meta.labels);
    expect(dataset.count).toBe(meta.count);
    expect(meta.labels).toHaveLength(meta.count);
    expect(new Set(meta.labels.slice(0, 100))).toEqual(new Set('0123456789'));
    // Digits are white strokes on black: mostly-zero images with some bright pixels.
    const first = dataset.pixels.subarray(0, 784);
    expect(first.filter((v) => v === 0).length).toBeGreaterThan(400);
    expect(Math.max(...first)).toBeGreaterThan(200);
  });
});
