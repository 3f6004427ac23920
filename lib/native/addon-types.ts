/**
 * The raw native binding, typed. Only lib/native talks to it; public classes wrap it, validate
 * arguments first and turn its errors into typed ones (see ./call.ts).
 */

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
  decode(z: Float32Array, batch: number, outH: number, outW: number): Promise<{ data: Float32Array; shape: number[] }>;
  /** mel: [batch, 1, h, w]. */
  encode(mel: Float32Array, batch: number, h: number, w: number): Promise<{ mu: Float32Array; logvar: Float32Array }>;
  /** Frees the weights (after calls in flight finish). */
  dispose(): void;
  readonly hasEncoder: boolean;
  readonly disposed: boolean;
}

export interface NativeAddon {
  /** The LibTorch version the addon was compiled against (TORCH_VERSION). */
  libtorchVersion(): string;
  devices(): RawDeviceReport;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** n x n row-major matrix product on `device` (a c10 device string), off the JS thread. */
  smokeMatmul(device: string, a: Float32Array, b: Float32Array, n: number): Promise<Float32Array>;
  createConvVae(config: RawConvVaeConfig, tensors: RawTensor[]): Promise<NativeConvVae>;
}
