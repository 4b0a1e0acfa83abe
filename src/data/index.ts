/** The data layer's public API: import user images, load MNIST, split and batch. */

export type { ChannelCount, DecodedImage, ImageDataset, ImageTarget, ImportProgress, ImportReport, InputFile, SkippedFile } from './types';

export { MAX_FILES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_ZIP_ENTRIES, MAX_ZIP_TOTAL_BYTES, formatCount, imageSizeProblem, overCapReason } from './limits';

export { type Background, type CropBox, DEFAULT_BACKGROUND, centreCropBox, resizeArea, resizeAreaRows, rgbaToGray, rgbaToRgb, rgbaToTarget } from './resize';

export { MAX_LEVELS, MIN_LEVELS, checkLevels, levelToByte, levelToByteTable, quantise, quantiseArray } from './quantise';

export { type ImageFormat, type ImageSize, IMAGE_FORMAT_MIME, isZipArchive, notAnImageReason, readImageSize, sniffImageFormat } from './sniff';

export { type ZipContents, type ZipLimits, DEFAULT_ZIP_LIMITS, ZipError, extractZip, isJunkPath } from './zip';

export { ImageDecodeError, UNDECODABLE_REASON, decodeImage } from './decode';

export { type ImageDecoder, type ImportOptions, importImages } from './importImages';

export {
  type SplitIndices,
  DEFAULT_SPLIT_SEED,
  DEFAULT_TEST_FRACTION,
  sampleBatch,
  sampleLabelledBatch,
  selectImages,
  splitDataset,
  splitIndices,
  testCount,
} from './split';

export {
  type LoadMnistOptions,
  MNIST_CLASS_NAMES,
  MNIST_CREDIT,
  MNIST_HEIGHT,
  MNIST_IMAGE_BYTES,
  MNIST_META_URL,
  MNIST_MISSING_MESSAGE,
  MNIST_URL,
  MNIST_WIDTH,
  MnistError,
  loadMnist,
  mnistLabelsOf,
  parseMnist,
} from './mnist';
export * from './retarget';
export { type ClassesFromPaths, type DatasetClasses, MAX_CLASSES, classCounts, classesFromPaths, datasetClasses, drawLabels, listNames } from './classes';
export { type AppUrlContext, type FetchAppFileOptions, AppFileError, appUrlCandidates, fetchAppFile } from './appFiles';
