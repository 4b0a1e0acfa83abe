// Compiles WebAssembly text with wabt (a devDependency: only the build script
// and the test that checks the generated file use it).
import wabtModule from 'wabt';

/** The binary module for `text`, with the SIMD feature the kernels use. */
export async function compileKernels(text) {
  const wabt = await wabtModule();
  const module = wabt.parseWat('kernels.wat', text, { simd: true });
  try {
    module.validate();
    return Uint8Array.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}
