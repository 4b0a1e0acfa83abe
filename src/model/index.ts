/** The PixelCNN core: pure tfjs, no DOM, usable in a worker, a page or Node. */
export * from './config';
export * from './masks';
export * from './pixels';
export * from './maskedConv';
export * from './loss';
export * from './pixelcnn';
export * from './random';
export * from './sampler';
export * from './serialize';
export * from './layers';
export * from './gatedPixelCNN';
export * from './receptiveField';
export * from './inspect';
export * from './belief';
export * from './incrementalSampler';
export * from './evaluate';
export * from './card';
