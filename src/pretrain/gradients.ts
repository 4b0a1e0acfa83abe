/**
 * Data parallelism for `npm run pretrain`: the pure pieces live with the
 * engine (src/worker/dataParallel/shares.ts), which shares a batch across
 * browser workers the same way this shares it across Node worker threads.
 */
export { type GradientHelper, type ShareGradient, applyShares, combineShares, shareGradient, splitShares } from '../worker/dataParallel/shares';
