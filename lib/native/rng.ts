/** PyTorch's CPU random stream, for drawing latents and Griffin-Lim phases in the Python app's order. */
import { InvalidArgumentError } from '../errors';
import type { NativeRngInstance } from './addon-types';
import { callNativeSync } from './call';
import { native } from './loader';

export class TorchRng {
  private readonly native: NativeRngInstance;

  /** Same stream as Python's `torch.manual_seed(seed)` followed by draws on the CPU. */
  constructor(seed: number | bigint) {
    if (typeof seed === 'number' && (!Number.isSafeInteger(seed) || seed < 0)) {
      throw new InvalidArgumentError(`seed must be a non-negative integer; got ${seed}`);
    }
    const big = BigInt(seed);
    if (big < 0n || big >= 1n << 64n) throw new InvalidArgumentError('seed must be in [0, 2^64)');
    const binding = native();
    this.native = callNativeSync(() => new binding.NativeRng(big));
  }

  /** `torch.randn(shape)`, row-major. */
  randn(shape: number[]): Float32Array {
    return callNativeSync(() => this.native.randn(shape));
  }

  /** `torch.rand(shape, dtype=torch.complex64)`, real and imaginary parts interleaved. */
  randComplex(shape: number[]): Float32Array {
    return callNativeSync(() => this.native.randComplex(shape));
  }

  /** Advances the stream exactly as `randComplex(shape)` would, without handing the values out. */
  skipComplex(shape: number[]): void {
    callNativeSync(() => this.native.skipComplex(shape));
  }
}
