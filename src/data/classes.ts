/**
 * Class labels of a dataset: which images belong to which class, and what
 * the classes are called.
 *
 * A dropped dataset takes its classes from folders. The rule, on the paths
 * of the accepted images (a zip counts as a folder named after the zip,
 * without ".zip"):
 *   1. a folder every image sits in is only a wrapper, and is set aside
 *      (dropping the folder "animals" that holds "cats" and "dogs", or a zip
 *      whose entries all start with "animals/");
 *   2. what is then the top-level folder of an image is its class;
 *   3. an image with no folder left is unlabelled, and a single unlabelled
 *      image leaves the whole dataset without classes, as does a single class.
 * Class names are sorted (plain code-unit order, the same in every browser),
 * and a label is an index into that list.
 */
import { formatCount } from './limits';
import type { ImageDataset } from './types';

/** Most classes a dataset may have; more folders than this are not taken as classes. */
export const MAX_CLASSES = 100;

export interface DatasetClasses {
  /** One label per image, 0..classNames.length-1. */
  labels: Int32Array;
  /** Class names in label order. */
  classNames: string[];
}

export interface ClassesFromPaths {
  /** null when the images have no classes; `reason` then says why. */
  classes: DatasetClasses | null;
  /** Why there are no classes, as a sentence for the user; absent when there are classes. */
  reason?: string;
}

/** The folder components of a path, a "name.zip" component read as the folder "name". */
function foldersOf(path: string): string[] {
  const parts = path
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  return parts.slice(0, -1).map((part) => part.replace(/\.zip$/i, '') || part);
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Labels from the folders the images came in; see the rule at the top of this file. */
export function classesFromPaths(paths: readonly string[]): ClassesFromPaths {
  if (paths.length === 0) return { classes: null, reason: 'There are no images.' };
  const folders = paths.map(foldersOf);
  // 1. Set aside the wrapper folders every image shares.
  const wrapper: string[] = [];
  for (;;) {
    const first = folders[0][wrapper.length];
    if (first === undefined || !folders.every((f) => f[wrapper.length] === first)) break;
    wrapper.push(first);
  }
  // 2. and 3. The next folder down is the class.
  const names = folders.map((f) => f[wrapper.length]);
  const loose = paths.filter((_, i) => names[i] === undefined);
  if (loose.length === paths.length) {
    return {
      classes: null,
      reason:
        wrapper.length > 0
          ? `All the images are in one folder (${wrapper.join('/')}), so they have no classes. Put each class in a folder of its own to get classes.`
          : 'The images are not in folders, so they have no classes. Put each class in a folder of its own to get classes.',
    };
  }
  if (loose.length > 0) {
    const example = loose[0];
    return {
      classes: null,
      reason:
        `${loose.length === 1 ? 'One image is' : `${formatCount(loose.length)} images are`} not in a class folder ` +
        `(such as ${example}), so the images have no classes. Put every image in a class folder to get classes.`,
    };
  }
  const classNames = [...new Set(names as string[])].sort(compareNames);
  if (classNames.length > MAX_CLASSES) {
    return {
      classes: null,
      reason: `The images are in ${formatCount(classNames.length)} folders; at most ${MAX_CLASSES} can be used as classes, so the images have no classes.`,
    };
  }
  const index = new Map(classNames.map((name, i) => [name, i]));
  const labels = Int32Array.from(names as string[], (name) => index.get(name)!);
  return { classes: { labels, classNames } };
}

/**
 * The dataset's classes when every image has a label in range, else null.
 * A dataset with labels but an unlabelled image (-1) has no classes.
 */
export function datasetClasses(dataset: ImageDataset): DatasetClasses | null {
  const { labels, classNames } = dataset;
  if (!labels || !classNames || classNames.length === 0 || labels.length !== dataset.count) return null;
  for (const label of labels) if (!(label >= 0 && label < classNames.length)) return null;
  return { labels, classNames };
}

/** How many images of each class (in label order); unlabelled images are not counted. */
export function classCounts(labels: ArrayLike<number>, classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label >= 0 && label < classCount) counts[label]++;
  }
  return counts;
}

/**
 * `count` labels drawn with replacement in proportion to `counts` (the
 * training data's class frequencies), from `random`. Uniform when every count is zero.
 */
export function drawLabels(counts: readonly number[], count: number, random: () => number): Int32Array {
  const total = counts.reduce((a, b) => a + b, 0);
  const weights = total > 0 ? counts : counts.map(() => 1);
  const sum = total > 0 ? total : counts.length;
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let r = random() * sum;
    let label = 0;
    while (label < weights.length - 1 && r >= weights[label]) {
      r -= weights[label];
      label++;
    }
    // A zero-weight class is never chosen, even when r lands exactly on a boundary.
    while (weights[label] === 0 && label > 0) label--;
    labels[i] = label;
  }
  return labels;
}

/** Names for a sentence: "cats, dogs and birds", or the first few and how many more. */
export function listNames(names: readonly string[], most = 6): string {
  if (names.length <= 1) return names.join('');
  if (names.length > most) return `${names.slice(0, most).join(', ')} and ${names.length - most} more`;
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
