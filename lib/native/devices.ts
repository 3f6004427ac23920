/**
 * Device strings used everywhere in the package: `auto` (CUDA, then MPS, then CPU), `cpu`, `cuda`
 * (= `cuda:0`), `cuda:N`, `mps`. Asking for a device that is not there is a DeviceUnavailableError that
 * names the devices that are.
 */
import { DeviceUnavailableError, InvalidArgumentError } from '../errors';
import type { RawDeviceReport } from './addon-types';
import { callNativeAsync, callNativeSync } from './call';
import { checkLimit } from './limits';
import { loadAddon } from './loader';

export type DeviceType = 'cpu' | 'cuda' | 'mps';

/** What callers may pass as a device. */
export type DeviceSpec = 'auto' | 'cpu' | 'cuda' | `cuda:${number}` | 'mps';

/** One usable device. */
export interface DeviceInfo {
  /** The canonical device string: `cpu`, `cuda:0`, `mps`. */
  id: string;
  type: DeviceType;
  /** Index for CUDA devices. */
  index?: number;
  /** Human-readable name (the GPU model for CUDA; empty when the driver could not be asked). */
  name: string;
  /** LibTorch intra-op threads (CPU only). */
  threads?: number;
  /** Device memory in bytes (CUDA only, when known). */
  totalMemoryBytes?: number;
}

const SPEC_FORMS = '"auto", "cpu", "cuda", "cuda:N" (N = 0, 1, ...), "mps"';

/** Parses and checks the form of a device string (not whether the device exists). */
export function parseDeviceSpec(spec: unknown): { type: DeviceType | 'auto'; index?: number } {
  if (typeof spec !== 'string') {
    throw new InvalidArgumentError(`device must be a string, one of ${SPEC_FORMS}; got ${typeof spec}`);
  }
  const s = spec.trim().toLowerCase();
  if (s === 'auto' || s === 'cpu' || s === 'mps') return { type: s };
  if (s === 'cuda') return { type: 'cuda', index: 0 };
  const m = /^cuda:(\d{1,4})$/.exec(s);
  if (m) return { type: 'cuda', index: Number(m[1]) };
  throw new InvalidArgumentError(`Unknown device "${spec}": use one of ${SPEC_FORMS}`);
}

/** The devices of a native report, CPU first. */
export function devicesFromReport(report: RawDeviceReport): DeviceInfo[] {
  const out: DeviceInfo[] = [{ id: 'cpu', type: 'cpu', name: 'CPU', threads: report.cpuThreads }];
  for (const d of report.cuda) {
    const info: DeviceInfo = { id: `cuda:${d.index}`, type: 'cuda', index: d.index, name: d.name };
    if (d.totalMemory > 0) info.totalMemoryBytes = d.totalMemory;
    out.push(info);
  }
  if (report.mpsAvailable) out.push({ id: 'mps', type: 'mps', name: 'Apple Metal (MPS)' });
  return out;
}

/** The devices this machine and this LibTorch build can run on. */
export function listDevices(): DeviceInfo[] {
  const { binding } = loadAddon();
  return devicesFromReport(callNativeSync(() => binding.devices()));
}

/**
 * Resolves a device string to an available device. `auto` picks CUDA, then MPS, then CPU.
 * `devices` defaults to this machine's (listDevices()); pass a list to resolve against another.
 */
export function resolveDevice(spec: DeviceSpec | string = 'auto', devices?: DeviceInfo[]): DeviceInfo {
  const parsed = parseDeviceSpec(spec);
  const all = devices ?? listDevices();
  const names = all.map((d) => d.id).join(', ');
  if (parsed.type === 'auto') {
    return all.find((d) => d.type === 'cuda') ?? all.find((d) => d.type === 'mps') ?? all[0]!;
  }
  if (parsed.type === 'cpu') return all.find((d) => d.type === 'cpu')!;
  if (parsed.type === 'mps') {
    const mps = all.find((d) => d.type === 'mps');
    if (mps) return mps;
    throw new DeviceUnavailableError(
      `Device "${spec}" was requested but no MPS (Apple Metal) device is available. Available devices: ${names}.`,
      all.map((d) => d.id),
    );
  }
  const cuda = all.filter((d) => d.type === 'cuda');
  const hit = cuda.find((d) => d.index === parsed.index);
  if (hit) return hit;
  const why =
    cuda.length === 0
      ? 'no CUDA device is available'
      : `there is no CUDA device ${parsed.index} (this machine has ${cuda.length})`;
  let hint = '';
  if (cuda.length === 0) {
    const loc = loadAddonLocationSafe();
    if (loc && !loc.cudaBuild) {
      hint = ` The located LibTorch ${loc.version} (${loc.root}) is a CPU-only build: point LIBTORCH at a CUDA LibTorch, or pip install a CUDA build of PyTorch, then rebuild.`;
    }
  }
  throw new DeviceUnavailableError(
    `Device "${spec}" was requested but ${why}. Available devices: ${names}.${hint}`,
    all.map((d) => d.id),
  );
}

function loadAddonLocationSafe(): { version: string; root: string; cudaBuild: boolean } | null {
  try {
    return loadAddon().location;
  } catch {
    return null;
  }
}

/** Sets LibTorch's intra-op thread count (process-wide). */
export function setNumThreads(n: number): void {
  checkLimit('threads', n, 'setNumThreads: n');
  const { binding } = loadAddon();
  callNativeSync(() => binding.setNumThreads(n));
}

/** LibTorch's intra-op thread count. */
export function getNumThreads(): number {
  const { binding } = loadAddon();
  return callNativeSync(() => binding.getNumThreads());
}

/**
 * What decides the last bits of this process's CPU results (docs/native.md, "The same seed, the same
 * audio"): the same build on the same CPU with the same values here gives the same samples.
 */
export interface NumericsInfo {
  /** LibTorch's intra-op threads. */
  threads: number;
  /** MKL's own thread count; -1 where LibTorch has no MKL (ARM and macOS builds). */
  mklMaxThreads: number;
  /** MKL's dynamic threading as MKL reports it now; null where LibTorch has no MKL. */
  mklDynamic: boolean | null;
  /**
   * Who decided it: `addon` (turned off when LibTorch starts), `MKL_DYNAMIC=<value>` (the process
   * environment's own setting, left to MKL) or `no MKL`.
   */
  mklDynamicSource: string;
  /** The default mode's Griffin-Lim FFTs: `mkl-dfti` (MKL's DFTI directly) or `aten` (at::fft). */
  fftPath: 'mkl-dfti' | 'aten';
  /** ATen's vectorised kernel set on this CPU (`AVX512`, `AVX2`, `DEFAULT`, ...). */
  cpuCapability: string;
  /** ATen's own summary of its thread pools, MKL and OpenMP (at::get_parallel_info()). */
  parallelInfo: string;
}

/** The numerics settings in force, read on the LibTorch thread after the work already queued. */
export async function numericsInfo(): Promise<NumericsInfo> {
  const { binding } = loadAddon();
  const r = await callNativeAsync(() => binding.numericsReport());
  return { ...r, fftPath: r.fftPath === 'mkl-dfti' ? 'mkl-dfti' : 'aten' };
}
