// A dev tool, not on the app's path: makes two datasets the project does not
// ship, for measuring how a start fits new data (scripts/measure-start.mjs)
// and for trying the app as a new user would (drop a folder of them).
//
//   letters  28×28 gray: 10 capital letters (A–H, K, R) rendered white on
//            black from the system's TrueType fonts (DejaVu, Liberation),
//            regular, bold and italic, with small random shifts, scales and
//            rotations;
//   shapes   16×16 RGB on white: ten kinds of coloured geometric shapes
//            with varied colours, sizes, positions and turns.
//
// Drawn in headless Chromium's canvas (fonts through fontconfig, offline).
// Each set goes to <out>/<set>/<class>/<n>.png (class folders, as the app
// takes them) and <out>/<set>.bin + <set>.json (raw bytes, N×H×W×C, and
// the labels) for the Node and Python scripts.
//
//   node scripts/make-test-sets.mjs [out=.test-sets] [count=2000] [seed=7]

/* global OffscreenCanvas, document -- draw() and the font check run in the page */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { deflateSync } from 'node:zlib';
import { chromiumHelp, findChromium } from './chromium-path.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = path.resolve(root, process.argv[2] ?? '.test-sets');
const count = Number(process.argv[3] ?? 2000);
const seed = Number(process.argv[4] ?? 7);

const LETTERS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'K', 'R'];
const FONTS = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Mono', 'Liberation Sans', 'Liberation Serif', 'Liberation Mono', 'Liberation Sans Narrow'];
const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'ring', 'star', 'bar', 'hexagon', 'heart'];

/** Runs in the page: draws `count` images of one set, returns their bytes and labels. */
function draw({ kind, count, seed, letters, fonts, shapes }) {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const between = (a, b) => a + (b - a) * random();
  const size = kind === 'letters' ? 28 : 16;
  const channels = kind === 'letters' ? 1 : 3;
  const canvas = new OffscreenCanvas(size, size);
  const g = canvas.getContext('2d', { willReadFrequently: true });
  const pixels = new Uint8Array(count * size * size * channels);
  const labels = new Int32Array(count);
  const classes = kind === 'letters' ? letters.length : shapes.length;
  for (let n = 0; n < count; n++) {
    const label = n % classes;
    labels[n] = label;
    g.setTransform(1, 0, 0, 1, 0, 0);
    if (kind === 'letters') {
      g.fillStyle = '#000';
      g.fillRect(0, 0, size, size);
      g.translate(size / 2 + between(-2, 2), size / 2 + between(-2, 2));
      g.rotate((between(-12, 12) * Math.PI) / 180);
      const scale = between(0.85, 1.15);
      g.scale(scale, scale);
      const font = fonts[Math.floor(random() * fonts.length)];
      const weight = random() < 0.35 ? 'bold ' : '';
      const style = random() < 0.25 ? 'italic ' : '';
      g.font = `${style}${weight}20px "${font}"`;
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillStyle = '#fff';
      g.fillText(letters[label], 0, 1);
    } else {
      g.fillStyle = '#fff';
      g.fillRect(0, 0, size, size);
      const r = between(4, 7);
      g.translate(between(r, size - r), between(r, size - r));
      g.rotate(between(0, Math.PI * 2));
      const hue = Math.floor(between(0, 360));
      g.fillStyle = `hsl(${hue} ${Math.floor(between(55, 95))}% ${Math.floor(between(30, 60))}%)`;
      g.strokeStyle = g.fillStyle;
      g.lineWidth = Math.max(1.5, r / 2.5);
      const polygon = (sides, radius, inner = radius) => {
        g.beginPath();
        for (let i = 0; i < sides * 2; i++) {
          const a = (i * Math.PI) / sides;
          const rr = i % 2 === 0 ? radius : inner;
          g.lineTo(rr * Math.cos(a), rr * Math.sin(a));
        }
        g.closePath();
        g.fill();
      };
      switch (shapes[label]) {
        case 'circle':
          g.beginPath();
          g.arc(0, 0, r, 0, Math.PI * 2);
          g.fill();
          break;
        case 'square':
          g.fillRect(-r * 0.8, -r * 0.8, r * 1.6, r * 1.6);
          break;
        case 'triangle':
          polygon(3, r, r * Math.cos(Math.PI / 3));
          break;
        case 'diamond':
          g.beginPath();
          g.moveTo(0, -r);
          g.lineTo(r * 0.6, 0);
          g.lineTo(0, r);
          g.lineTo(-r * 0.6, 0);
          g.closePath();
          g.fill();
          break;
        case 'cross':
          g.fillRect(-r, -r / 3, 2 * r, (2 * r) / 3);
          g.fillRect(-r / 3, -r, (2 * r) / 3, 2 * r);
          break;
        case 'ring':
          g.beginPath();
          g.arc(0, 0, r - g.lineWidth / 2, 0, Math.PI * 2);
          g.stroke();
          break;
        case 'star':
          polygon(5, r, r * 0.45);
          break;
        case 'bar':
          g.fillRect(-r, -r / 4, 2 * r, r / 2);
          break;
        case 'hexagon':
          polygon(6, r);
          break;
        case 'heart':
          g.beginPath();
          g.arc(-r / 2, -r / 4, r / 2, 0, Math.PI * 2);
          g.arc(r / 2, -r / 4, r / 2, 0, Math.PI * 2);
          g.fill();
          g.beginPath();
          g.moveTo(-r, -r / 8);
          g.lineTo(r, -r / 8);
          g.lineTo(0, r);
          g.closePath();
          g.fill();
          break;
      }
    }
    const rgba = g.getImageData(0, 0, size, size).data;
    for (let p = 0; p < size * size; p++) {
      for (let c = 0; c < channels; c++) pixels[(n * size * size + p) * channels + c] = rgba[4 * p + c];
    }
  }
  return { size, channels, pixels: Array.from(pixels), labels: Array.from(labels) };
}

function crc32(bytes) {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A PNG of one image (gray or RGB, 8 bits). */
function png(pixels, size, channels) {
  const raw = new Uint8Array(size * (size * channels + 1));
  for (let y = 0; y < size; y++) raw.set(pixels.subarray(y * size * channels, (y + 1) * size * channels), y * (size * channels + 1) + 1);
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), Buffer.from(data)]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8;
  header[9] = channels === 1 ? 0 : 2;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ]);
}

const executablePath = findChromium();
if (!executablePath) throw new Error(chromiumHelp());
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  // Fonts load on first use; one untimed line makes sure every face is there before the first image.
  await page.setContent(`<p>${FONTS.map((f) => `<span style="font-family:'${f}'">A<b>A</b><i>A</i></span>`).join('')}</p>`);
  await page.evaluate(() => document.fonts.ready);
  for (const kind of ['letters', 'shapes']) {
    const set = await page.evaluate(draw, { kind, count, seed: seed + (kind === 'shapes' ? 1 : 0), letters: LETTERS, fonts: FONTS, shapes: SHAPES });
    const classNames = kind === 'letters' ? LETTERS : SHAPES;
    const pixels = Uint8Array.from(set.pixels);
    const perImage = set.size * set.size * set.channels;
    rmSync(path.join(out, kind), { recursive: true, force: true });
    for (const name of classNames) mkdirSync(path.join(out, kind, name), { recursive: true });
    set.labels.forEach((label, n) => {
      const file = path.join(out, kind, classNames[label], `${String(n).padStart(4, '0')}.png`);
      writeFileSync(file, png(pixels.subarray(n * perImage, (n + 1) * perImage), set.size, set.channels));
    });
    writeFileSync(path.join(out, `${kind}.bin`), pixels);
    writeFileSync(
      path.join(out, `${kind}.json`),
      JSON.stringify({ width: set.size, height: set.size, channels: set.channels, count, classNames, labels: set.labels.join(',') }),
    );
    console.log(
      `${kind}: ${count} images, ${set.size}×${set.size}×${set.channels}, ${classNames.length} classes → ${path.relative(root, path.join(out, kind))}/`,
    );
  }
} finally {
  await browser.close();
}
