import { describe, expect, it } from 'vitest';
import { seededRandom } from '../model/random';
import { classCounts, classesFromPaths, datasetClasses, drawLabels, MAX_CLASSES } from './classes';
import type { ImageDataset } from './types';

const labelsOf = (paths: string[]) => {
  const { classes } = classesFromPaths(paths);
  return classes && { names: classes.classNames, labels: Array.from(classes.labels) };
};

describe('classesFromPaths', () => {
  it('takes two dropped folders as two classes, sorted by name', () => {
    expect(labelsOf(['dogs/1.png', 'cats/a.png', 'dogs/2.png', 'cats/b/c.png'])).toEqual({
      names: ['cats', 'dogs'],
      labels: [1, 0, 1, 0],
    });
  });

  it('sets aside a folder every image is in (a dropped folder, a zip, a wrapper folder inside a zip)', () => {
    expect(labelsOf(['animals/cats/1.png', 'animals/dogs/1.png'])?.names).toEqual(['cats', 'dogs']);
    expect(labelsOf(['animals.zip/cats/1.png', 'animals.zip/dogs/1.png'])?.names).toEqual(['cats', 'dogs']);
    expect(labelsOf(['a.zip/animals/cats/1.png', 'a.zip/animals/dogs/x/1.png'])?.names).toEqual(['cats', 'dogs']);
  });

  it('reads a zip as a folder named after it', () => {
    expect(labelsOf(['cats.zip/1.png', 'dogs.ZIP/1.png', 'cats.zip/2.png'])).toEqual({ names: ['cats', 'dogs'], labels: [0, 1, 0] });
    expect(labelsOf(['cats/1.png', 'more/dogs.zip/1.png'])?.names).toEqual(['cats', 'more']);
  });

  it('gives no classes when an image is not in a folder, and says which', () => {
    const result = classesFromPaths(['cats/1.png', 'dogs/1.png', 'stray.png']);
    expect(result.classes).toBeNull();
    expect(result.reason).toBe(
      'One image is not in a class folder (such as stray.png), so the images have no classes. Put every image in a class folder to get classes.',
    );
    expect(classesFromPaths(['animals/cats/1.png', 'animals/x.png', 'animals/y.png']).reason).toMatch(
      /^2 images are not in a class folder \(such as animals\/x\.png\)/,
    );
  });

  it('gives no classes for loose images or a single folder', () => {
    expect(classesFromPaths(['a.png', 'b.png']).reason).toBe(
      'The images are not in folders, so they have no classes. Put each class in a folder of its own to get classes.',
    );
    expect(classesFromPaths(['my-pictures/a.png', 'my-pictures/b.png']).reason).toMatch(
      /^All the images are in one folder \(my-pictures\), so they have no classes/,
    );
    expect(classesFromPaths(['photos.zip/cats/1.png', 'photos.zip/cats/2.png']).reason).toMatch(/one folder \(photos\/cats\)/);
  });

  it('gives no classes for more folders than a model can take', () => {
    const paths = Array.from({ length: MAX_CLASSES + 1 }, (_, i) => `c${i}/x.png`);
    expect(classesFromPaths(paths).classes).toBeNull();
    expect(classesFromPaths(paths.slice(1)).classes?.classNames).toHaveLength(MAX_CLASSES);
  });
});

describe('datasetClasses', () => {
  const base: ImageDataset = { width: 1, height: 1, channels: 1, levels: 2, count: 3, pixels: new Uint8Array(3) };
  it('needs a label in range for every image', () => {
    expect(datasetClasses(base)).toBeNull();
    const labelled = { ...base, labels: Int32Array.from([0, 1, 1]), classNames: ['a', 'b'] };
    expect(datasetClasses(labelled)?.classNames).toEqual(['a', 'b']);
    expect(datasetClasses({ ...labelled, labels: Int32Array.from([0, -1, 1]) })).toBeNull();
    expect(datasetClasses({ ...labelled, labels: Int32Array.from([0, 2, 1]) })).toBeNull();
  });
});

describe('classCounts and drawLabels', () => {
  it('counts each class', () => {
    expect(classCounts([0, 2, 2, -1, 2], 3)).toEqual([1, 0, 3]);
  });

  it('draws labels in proportion to the counts, never an empty class, the same for the same seed', () => {
    const counts = [100, 0, 300];
    const labels = drawLabels(counts, 4000, seededRandom(3));
    expect(labels).toEqual(drawLabels(counts, 4000, seededRandom(3)));
    const drawn = classCounts(labels, 3);
    expect(drawn[1]).toBe(0);
    expect(drawn[2] / drawn[0]).toBeGreaterThan(2.5);
    expect(drawn[2] / drawn[0]).toBeLessThan(3.5);
    expect(Array.from(drawLabels([0, 0], 6, () => 0.75))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(drawLabels([0, 5], 3, () => 0.999999))).toEqual([1, 1, 1]);
  });
});
