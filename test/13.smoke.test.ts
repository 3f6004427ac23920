// One real computation through LibTorch, off the JS thread, with typed errors at the call site.
import { DeviceUnavailableError, InvalidArgumentError, NativeError, deviceMatmul } from '../lib';
import { callNativeAsync } from '../lib/native/call';
import { loadAddon } from '../lib/native/loader';

function seeded(n: number, seed: number): Float32Array {
  // Small LCG: deterministic inputs without a dependency.
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function jsMatmul(a: Float32Array, b: Float32Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * n + k]! * b[k * n + j]!;
  return out;
}

test('13.1 the product on cpu equals a float64 reference within float32 rounding', async () => {
  const n = 96;
  const a = seeded(n * n, 1);
  const b = seeded(n * n, 2);
  const got = await deviceMatmul(a, b, n, { device: 'cpu' });
  const want = jsMatmul(a, b, n);
  expect(Object.prototype.toString.call(got)).toBe('[object Float32Array]'); // made in the addon's realm
  expect(got.length).toBe(n * n);
  let maxErr = 0;
  for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i]! - want[i]!));
  // 96 products of |x| <= 0.25 summed in float32: error bound ~ n * eps * sum|a||b| ~ 96 * 6e-8 * 6 = 3.5e-5.
  expect(maxErr).toBeLessThan(5e-5);
});

test('13.2 the computation runs off the JS thread: the event loop keeps turning meanwhile', async () => {
  const n = 1024;
  const a = seeded(n * n, 3);
  const b = seeded(n * n, 4);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const runs = [deviceMatmul(a, b, n), deviceMatmul(b, a, n), deviceMatmul(a, a, n)];
  await Promise.all(runs);
  clearInterval(timer);
  expect(ticks).toBeGreaterThan(0);
});

test('13.3 bad arguments are refused in JS with precise messages', async () => {
  const m = new Float32Array(4);
  await expect(deviceMatmul(m, m, 3)).rejects.toThrow(/a must hold n\*n = 9 values; got 4/);
  await expect(deviceMatmul(m, new Float32Array(3), 2)).rejects.toThrow(/b must hold n\*n = 4 values; got 3/);
  await expect(deviceMatmul(m, m, 0)).rejects.toThrow(InvalidArgumentError);
  await expect(deviceMatmul([1, 2, 3, 4] as unknown as Float32Array, m, 2)).rejects.toThrow(/a must be a Float32Array/);
  await expect(deviceMatmul(m, m, 2, { device: 'cuda' })).rejects.toThrow(DeviceUnavailableError);
});

test('13.4 native failures become typed errors with the caller\'s stack', async () => {
  const { binding } = loadAddon();
  const m = new Float32Array(4);
  // Bypass JS validation to reach LibTorch's own device parser and the native device guard.
  async function callerFrame(device: string) {
    return callNativeAsync(() => binding.smokeMatmul(device, m, m, 2));
  }
  const bad = await callerFrame('bogus').catch((e: unknown) => e);
  expect(bad).toBeInstanceOf(InvalidArgumentError); // LibTorch's own device parser, typed by its code
  expect((bad as Error).message).toMatch(/device type at start of device string: bogus/);
  expect((bad as Error).stack).toMatch(/callerFrame/);
  // The native argument guard is typed too when JS validation is bypassed.
  const mismatched = await callNativeAsync(() => binding.smokeMatmul('cpu', m, new Float32Array(9), 2)).catch((e: unknown) => e);
  expect(mismatched).toBeInstanceOf(InvalidArgumentError);
  expect(mismatched).not.toBeInstanceOf(NativeError);
  expect((mismatched as Error).message).toMatch(/both inputs must hold n\*n floats/);
  const gone = await callerFrame('cuda:0').catch((e: unknown) => e);
  expect(gone).toBeInstanceOf(DeviceUnavailableError);
  expect((gone as Error).message).toMatch(/cuda:0 is not available: LibTorch sees 0 CUDA device/);
});
