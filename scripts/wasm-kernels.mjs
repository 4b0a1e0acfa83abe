// Compiles WebAssembly text with wabt (a devDependency: only the build script
// and the test that checks the generated file use it).
import wabtModule from 'wabt';

/** The binary module for `text`, with the SIMD feature the kernels use (and relaxed SIMD, for the relaxed variant). */
export async function compileKernels(text, { relaxed = false } = {}) {
  const wabt = await wabtModule();
  const module = wabt.parseWat('kernels.wat', relaxed ? relaxedKernels(text) : text, { simd: true, relaxed_simd: relaxed });
  try {
    module.validate();
    return Uint8Array.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** A sum s plus a product p·y, written `(f32x4.add (local.get s) (f32x4.mul (local.get p) y))`, y a local or a load. */
const MULTIPLY_ADD =
  /\(f32x4\.add \(local\.get (\$\w+)\) \(f32x4\.mul \(local\.get (\$\w+)\) (\((?:local\.get \$\w+|v128\.load(?: offset=\d+)? \(local\.get \$\w+\))\))\)\)/g;

/**
 * The relaxed-SIMD variant of the kernels: between the lines `;; relaxed-madd:begin`
 * and `;; relaxed-madd:end`, every multiply-add of the form above becomes one
 * f32x4.relaxed_madd (a fused multiply-add where the hardware has one).
 * Engines without relaxed SIMD reject this module, and the plain one runs.
 */
export function relaxedKernels(text) {
  const begin = text.indexOf(';; relaxed-madd:begin');
  const end = text.indexOf(';; relaxed-madd:end');
  if (begin < 0 || end < begin) throw new Error('kernels.wat has no ;; relaxed-madd:begin … ;; relaxed-madd:end region');
  const region = text.slice(begin, end).replace(MULTIPLY_ADD, (_, sum, p, y) => `(f32x4.relaxed_madd (local.get ${p}) ${y} (local.get ${sum}))`);
  return text.slice(0, begin) + region + text.slice(end);
}

/** The samplers' kernels: `text` without the region between `;; training-kernels:begin` and `;; training-kernels:end`. */
export function samplerKernels(text) {
  const begin = text.indexOf(';; training-kernels:begin');
  const end = text.indexOf(';; training-kernels:end');
  if (begin < 0 || end < begin) throw new Error('kernels.wat has no ;; training-kernels:begin … ;; training-kernels:end region');
  return text.slice(0, begin) + text.slice(end);
}
