import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type PixelCNNConfig } from '../model/config';
import { createPixelCNN } from '../model/pixelcnn';
import { saveModel } from '../model/serialize';
import type { ImageDataset, InputFile } from '../data/types';
import { check, hostileText, hostileValue } from '../test/fuzz';
import { mutatedJson } from '../test/jsonMutation';
import { useCpuBackend } from '../test/tfSetup';
import type { EngineRequest, SampleSettings, TrainSettings } from './protocol';
import { recordingEngine } from './testEngine';

/**
 * Property-based tests of the engine's requests that carry what a user
 * brought (files and their names, a model file) or typed (settings): each
 * is done, or refused in the panel it belongs to with a sentence; none is
 * taken for a failure that ends the engine, and none ends it.
 */

beforeAll(useCpuBackend);

const tiny: PixelCNNConfig = {
  ...DEFAULT_CONFIG,
  architecture: 'pixelcnn',
  height: 4,
  width: 4,
  levels: 4,
  hiddenChannels: 4,
  layers: 1,
  firstKernelSize: 3,
  kernelSize: 3,
  headChannels: 0,
  inputEmbedding: 0,
  position: false,
  // Conditional, so the classes a request asks for are checked too.
  classes: 3,
  labelDropout: 0,
};
const digits: ImageDataset = { width: 4, height: 4, channels: 1, levels: 4, count: 10, pixels: new Uint8Array(160) };

/** Names that read like the failures that end an engine (errors.ts, fatalEngineProblem), among other hostile ones. */
const name = fc.oneof(
  hostileText().map((text) => text.slice(0, 60)),
  fc.constantFrom('out of memory', 'device lost', 'Aborted()', 'RuntimeError', 'CONTEXT_LOST', 'memory access out of bounds').map((words) => `${words}.png`),
);

async function decode(file: InputFile) {
  const bytes = file.bytes instanceof Uint8Array ? file.bytes : new Uint8Array(file.bytes);
  if (bytes[0] !== 0x89) throw new Error('corrupt');
  return { width: 4, height: 4, rgba: new Uint8ClampedArray(64).fill(bytes[8] ?? 0) };
}
const png = (level: number) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, level]);

let engine: ReturnType<typeof recordingEngine>;
let validFile: string;
beforeAll(async () => {
  engine = recordingEngine({ loadBuiltinDigits: async () => digits, decode });
  await engine.engine.handle({ type: 'init', config: tiny });
  const model = createPixelCNN(tiny, 2);
  validFile = JSON.stringify(await saveModel(model, { steps: 4 }));
  model.dispose();
});

/** What a JavaScript engine says when code meets a value it did not expect: never a refusal the app means. */
const INTERNAL = /Cannot (read|convert|set)|is not (a function|iterable|defined)|undefined is|null is|Maximum call stack|Invalid (array|typed array) length/;

/** Sends `request`: done, or failed in one of `panels` with a sentence of the app's own; the engine lives on. */
async function answered(request: EngineRequest, panels: string[]): Promise<'done' | 'failed'> {
  const before = engine.events.length;
  const outcome = await engine.engine.handle(request);
  expect(engine.events.slice(before).filter((e) => e.type === 'fatal')).toEqual([]);
  if (outcome.status === 'failed') {
    expect(panels).toContain(outcome.context);
    expect(outcome.message.length).toBeGreaterThan(0);
    expect(outcome.message).not.toMatch(INTERNAL);
  }
  return outcome.status;
}

describe('the engine, given what a user brings', () => {
  it('refuses a file whose name reads like a dead engine without ending itself (found: an empty "out of memory.png" restarted the engine)', async () => {
    for (const fileName of ['out of memory.png', 'device lost.png', 'Aborted().png']) {
      expect(await answered({ type: 'importImages', files: [{ name: fileName, bytes: new Uint8Array(0) }] }, ['dataset'])).toBe('failed');
      expect(await answered({ type: 'importModel', text: '{', fileName: `${fileName}.json` }, ['import'])).toBe('failed');
    }
  });

  it('imports images of any names and contents, or refuses them in the Dataset panel', async () => {
    const files = fc.array(fc.record({ name, bytes: fc.oneof(fc.integer({ min: 0, max: 255 }).map(png), fc.uint8Array({ maxLength: 12 })) }), {
      minLength: 1,
      maxLength: 6,
    });
    await check(
      fc.asyncProperty(files, async (list) => {
        await answered({ type: 'importImages', files: list }, ['dataset']);
      }),
      0.3,
    );
  });

  it('imports a model file of any text and name, or refuses it in the Model panel', async () => {
    await check(
      fc.asyncProperty(fc.oneof(mutatedJson(JSON.parse(validFile) as unknown, { most: 2, maxDepth: 3 }), hostileText()), name, async (text, fileName) => {
        await answered({ type: 'importModel', text, fileName: `${fileName}.json` }, ['import']);
      }),
      0.3,
    );
  });

  it('words refusals of records and nulls (found: a held-out index {"toString": 0} and a draw of null failed with TypeErrors)', async () => {
    const settings: SampleSettings = { count: 1, temperature: 1, seed: 1, delayMs: 0, draw: { kind: 'any' } };
    const record = JSON.parse('{"toString": 0}') as number;
    const drop = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `p${i}.png`, bytes: png(i) }));
    await engine.engine.handle({ type: 'importImages', files: drop(30) });
    const outcomes = [
      await engine.engine.handle({ type: 'complete', testIndex: record, settings }),
      await engine.engine.handle({ type: 'completeDrawing', image: new Uint8Array(16), keepRows: record, settings }),
      await engine.engine.handle({ type: 'sample', settings: { ...settings, draw: null as unknown as SampleSettings['draw'] } }),
      await engine.engine.handle({ type: 'sample', settings: { ...settings, draw: { kind: 'class', label: record } } }),
    ];
    expect(outcomes.map((o) => (o.status === 'failed' ? o.message : 'done'))).toEqual([
      expect.stringMatching(/^Pick a held-out image from 0 to [1-9]\d*; got \{"toString":0\}\.$/),
      'Rows to keep must be a whole number from 0 to 4, got {"toString":0}.',
      'The classes to draw must be any, one class or one row per class; got null.',
      'Pick a class from the model\'s 3; got class number {"toString":0}.',
    ]);
    // Found with them: with no image held out, the refusal asked for one "from 0 to -1".
    await engine.engine.handle({ type: 'importImages', files: drop(1) });
    expect(await engine.engine.handle({ type: 'complete', testIndex: 0, settings })).toEqual({
      status: 'failed',
      context: 'sampling',
      message: 'The dataset in use holds no images out, so there is none to continue.',
    });
  });

  it('continues a held-out image or a drawing given any index, drawing or rows, or refuses them by name', async () => {
    const settings: SampleSettings = { count: 1, temperature: 1, seed: 1, delayMs: 0, draw: { kind: 'any' } };
    const image = fc.oneof(
      fc.uint8Array({ minLength: 16, maxLength: 16, max: 3 }),
      fc.uint8Array({ maxLength: 20 }),
      hostileValue(),
    ) as fc.Arbitrary<Uint8Array>;
    await check(
      fc.asyncProperty(hostileValue(), image, hostileValue(), async (index, drawing, keepRows) => {
        for (const request of [
          { type: 'complete', testIndex: index as number, settings },
          { type: 'completeDrawing', image: drawing, keepRows: keepRows as number, settings },
          { type: 'completeDrawing', image: new Uint8Array(16), keepRows: index as number, settings },
        ] satisfies EngineRequest[]) {
          if ((await answered(request, ['sampling'])) === 'done') await engine.engine.handle({ type: 'stopSampling' });
        }
        await answered({ type: 'setSampleDelay', delayMs: index as number }, ['sampling']);
      }),
      0.3,
    );
  });

  it('takes sampling and training settings of any value, or refuses them by name', async () => {
    const settings = fc.dictionary(
      fc.constantFrom('count', 'temperature', 'seed', 'delayMs', 'draw', 'guidance', 'learningRate', 'batchSize', 'workers'),
      fc.oneof(
        hostileValue(),
        fc.record({ kind: fc.constantFrom('any', 'class', 'rows', 'nope'), label: hostileValue(), perClass: hostileValue() }),
        fc.constantFrom({ kind: 'class', label: 2 }, { kind: 'rows', perClass: 0 }, 1, 0.5),
      ),
    );
    await check(
      fc.asyncProperty(settings, async (values) => {
        const sample = { count: 1, temperature: 1, seed: 1, delayMs: 0, draw: { kind: 'any' }, ...values } as unknown as SampleSettings;
        if ((await answered({ type: 'sample', settings: sample }, ['sampling'])) === 'done') await engine.engine.handle({ type: 'stopSampling' });
        const train = { learningRate: 0.001, batchSize: 2, ...values } as unknown as TrainSettings;
        await answered({ type: 'updateTrainSettings', settings: train }, ['training']);
      }),
      0.3,
    );
  });
});
