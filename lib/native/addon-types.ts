/**
 * The raw native binding, typed. Only lib/native talks to it; public classes wrap it, validate
 * arguments first and turn its errors into typed ones (see ./call.ts).
 */
import type { InvertBaseOptions, SpectrogramConfig } from './config-types';

/** One CUDA device as the driver reports it. */
export interface RawCudaDevice {
  index: number;
  /** Empty when the CUDA driver could not be asked. */
  name: string;
  /** Bytes; 0 when unknown. */
  totalMemory: number;
}

export interface RawDeviceReport {
  cpuThreads: number;
  /** LibTorch has CUDA (or ROCm) support loaded. */
  cudaBuilt: boolean;
  cuda: RawCudaDevice[];
  mpsAvailable: boolean;
}

/** What decides the last bits of CPU results (native/bridge.h NumericsReport); see NumericsInfo. */
export interface RawNumericsReport {
  threads: number;
  mklMaxThreads: number;
  mklDynamic: boolean | null;
  mklDynamicSource: string;
  fftPath: string;
  cpuCapability: string;
  parallelInfo: string;
}

export interface RawConvVaeConfig {
  /** distill_model: Softplus output, logvar clamped to [-20, 20]. */
  distill: boolean;
  latentDim: number;
  nMels: number;
  frames: number;
  /** A resolved device id: `cpu`, `cuda:N`, `mps`. */
  device: string;
}

/** One state-dict tensor: row-major bytes (read in place; copied once onto the device). */
export interface RawTensor {
  key: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

export interface NativeConvVae {
  /** z: [batch, latentDim]; output cropped to at most [batch, 1, outH, outW]. */
  /** `each`: every latent decoded on its own, on one thread (see ConvVae.decode). */
  decode(z: Float32Array, batch: number, outH: number, outW: number, each: boolean): Promise<{ data: Float32Array; shape: number[] }>;
  /** mel: [batch, 1, h, w]. */
  encode(mel: Float32Array, batch: number, h: number, w: number): Promise<{ mu: Float32Array; logvar: Float32Array }>;
  /** Frees the weights (after calls in flight finish). */
  dispose(): void;
  readonly hasEncoder: boolean;
  readonly disposed: boolean;
  /** Bytes of weights reported to V8 as external memory (0 once disposed). */
  readonly weightBytes: number;
}

/** A float32 tensor handed back from native code, row-major. */
export interface RawTensorResult {
  data: Float32Array;
  shape: number[];
  /** Griffin-Lim only: the iterations each batch item ran. */
  iterations?: number[];
}

/** The spectrogram config with the device to build it on (`power` is always 2 here). */
export interface RawSpectrogramConfig extends SpectrogramConfig {
  device: string;
}

/** InvertOptions as the addon takes them: the stopping rule flattened, every default filled in by the wrapper. */
export interface RawInvertOptions extends InvertBaseOptions {
  /** Stopping rule (0: none), its window and the iterations always run. */
  tolerance?: number;
  stopWindow?: number;
  minIter?: number;
}

export interface NativeSpectrogram {
  /** Async: built on the LibTorch thread on first use, like everything else here. */
  filterbank(): Promise<RawTensorResult>;
  melSpectrogram(waveform: Float32Array, batch: number, length: number): Promise<RawTensorResult>;
  magnitude(waveform: Float32Array, batch: number, length: number): Promise<RawTensorResult>;
  inverseMel(mel: Float32Array, batch: number, frames: number, solver: string): Promise<RawTensorResult>;
  griffinLim(spec: Float32Array, batch: number, frames: number, options: RawInvertOptions): Promise<RawTensorResult>;
  melToWaveform(mel: Float32Array, batch: number, frames: number, options: RawInvertOptions): Promise<RawTensorResult>;
  /** Frees the device tensors (after calls in flight finish); later calls reject with ERR_SDA_DISPOSED. */
  dispose(): void;
  readonly disposed: boolean;
}

export interface NativeRngInstance {
  randn(shape: number[]): Float32Array;
  randComplex(shape: number[]): Float32Array;
  /** Advances the stream as randComplex(shape) would, handing nothing out. */
  skipComplex(shape: number[]): void;
}

export interface NativeAddon {
  /** The LibTorch version the addon was compiled against (TORCH_VERSION). */
  libtorchVersion(): string;
  devices(): RawDeviceReport;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** Read on the LibTorch thread after the work already queued. */
  numericsReport(): Promise<RawNumericsReport>;
  /**
   * At process exit: no further LibTorch task runs; waits (10 s at most) for the one in progress, and
   * ends the process at once with `code` if it is still running.
   */
  stopForExit(code: number): void;
  /** n x n row-major matrix product on `device` (a c10 device string), off the JS thread. */
  smokeMatmul(device: string, a: Float32Array, b: Float32Array, n: number): Promise<Float32Array>;
  createConvVae(config: RawConvVaeConfig, tensors: RawTensor[]): Promise<NativeConvVae>;
  createSpectrogram(config: RawSpectrogramConfig): NativeSpectrogram;
  NativeRng: new (seed: bigint) => NativeRngInstance;
  resample(waveform: Float32Array, batch: number, length: number, origRate: number, newRate: number, device: string): Promise<RawTensorResult>;
}
