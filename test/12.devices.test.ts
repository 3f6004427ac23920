// Device strings: the accepted forms, `auto`, and typed errors naming the devices that exist.
import { DeviceUnavailableError, InvalidArgumentError, getNumThreads, listDevices, parseDeviceSpec, resolveDevice, setNumThreads } from '../lib';
import type { DeviceInfo } from '../lib';

const cpu: DeviceInfo = { id: 'cpu', type: 'cpu', name: 'CPU', threads: 2 };
const gpu0: DeviceInfo = { id: 'cuda:0', type: 'cuda', index: 0, name: 'GPU A' };
const gpu1: DeviceInfo = { id: 'cuda:1', type: 'cuda', index: 1, name: 'GPU B' };
const mps: DeviceInfo = { id: 'mps', type: 'mps', name: 'Apple Metal (MPS)' };

test('12.1 this machine lists the CPU with its LibTorch thread count, and no CUDA device', () => {
  const devices = listDevices();
  expect(devices[0]).toMatchObject({ id: 'cpu', type: 'cpu' });
  expect(devices[0]!.threads).toBeGreaterThanOrEqual(1);
  expect(devices.filter((d) => d.type === 'cuda')).toEqual([]); // the CPU wheel has no CUDA
});

test('12.2 accepted forms parse; anything else names the allowed forms', () => {
  expect(parseDeviceSpec('auto')).toEqual({ type: 'auto' });
  expect(parseDeviceSpec('CPU')).toEqual({ type: 'cpu' });
  expect(parseDeviceSpec('cuda')).toEqual({ type: 'cuda', index: 0 });
  expect(parseDeviceSpec('cuda:3')).toEqual({ type: 'cuda', index: 3 });
  expect(parseDeviceSpec('mps')).toEqual({ type: 'mps' });
  for (const bad of ['gpu', 'cuda:', 'cuda:-1', 'cuda:x', '', 'cpu:0']) {
    expect(() => parseDeviceSpec(bad)).toThrow(InvalidArgumentError);
    expect(() => parseDeviceSpec(bad)).toThrow(/use one of "auto", "cpu", "cuda", "cuda:N"/);
  }
  expect(() => parseDeviceSpec(3)).toThrow(/device must be a string/);
});

test('12.3 auto prefers CUDA, then MPS, then CPU', () => {
  expect(resolveDevice('auto', [cpu, gpu0, mps]).id).toBe('cuda:0');
  expect(resolveDevice('auto', [cpu, mps]).id).toBe('mps');
  expect(resolveDevice('auto', [cpu]).id).toBe('cpu');
  expect(resolveDevice(undefined, [cpu, gpu0, gpu1]).id).toBe('cuda:0');
  expect(resolveDevice('cuda:1', [cpu, gpu0, gpu1]).name).toBe('GPU B');
  expect(resolveDevice('cuda', [cpu, gpu0, gpu1]).id).toBe('cuda:0');
});

test('12.4 asking for cuda on this machine is a typed error saying no CUDA device is available', () => {
  let err: unknown;
  try {
    resolveDevice('cuda');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DeviceUnavailableError);
  const d = err as DeviceUnavailableError;
  expect(d.code).toBe('ERR_SDA_DEVICE_UNAVAILABLE');
  expect(d.message).toMatch(/no CUDA device is available\. Available devices: cpu\./);
  expect(d.message).toMatch(/CPU-only build/);
  expect(d.available).toEqual(['cpu']);
  expect(() => resolveDevice('mps')).toThrow(/no MPS \(Apple Metal\) device is available\. Available devices: cpu/);
});

test('12.5 a CUDA index past the last device names the ones there are', () => {
  expect(() => resolveDevice('cuda:2', [cpu, gpu0, gpu1])).toThrow(
    /there is no CUDA device 2 \(this machine has 2\)\. Available devices: cpu, cuda:0, cuda:1\./,
  );
});

test('12.6 the LibTorch thread count can be set and read back; bad counts are refused', () => {
  const before = getNumThreads();
  try {
    setNumThreads(1);
    expect(getNumThreads()).toBe(1);
    expect(listDevices()[0]!.threads).toBe(1);
  } finally {
    setNumThreads(before);
  }
  expect(getNumThreads()).toBe(before);
  for (const bad of [0, -1, 1.5, NaN, 5000]) expect(() => setNumThreads(bad)).toThrow(InvalidArgumentError);
});
