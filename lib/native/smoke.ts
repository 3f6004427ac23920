/** One real computation on a chosen device, asynchronously, to prove the device works end to end. */
import { types } from 'util';
import { InvalidArgumentError } from '../errors';
import { callNativeAsync } from './call';
import { resolveDevice, type DeviceSpec } from './devices';
import { checkLimit } from './limits';
import { native } from './loader';

/**
 * The product of two row-major `n` x `n` float32 matrices, computed by LibTorch on `device`
 * (default `auto`) off the JS thread. Resolves to a new Float32Array of n*n values.
 */
export async function deviceMatmul(
  a: Float32Array,
  b: Float32Array,
  n: number,
  options: { device?: DeviceSpec | string } = {},
): Promise<Float32Array> {
  checkLimit('matmulSize', n, 'deviceMatmul: n');
  for (const [name, m] of [['a', a], ['b', b]] as const) {
    if (!types.isFloat32Array(m)) throw new InvalidArgumentError(`deviceMatmul: ${name} must be a Float32Array`);
    if (m.length !== n * n) {
      throw new InvalidArgumentError(`deviceMatmul: ${name} must hold n*n = ${n * n} values; got ${m.length}`);
    }
  }
  const device = resolveDevice(options.device ?? 'auto');
  const binding = native();
  return callNativeAsync(() => binding.smokeMatmul(device.id, a, b, n));
}
