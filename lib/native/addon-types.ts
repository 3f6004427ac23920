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

export interface NativeAddon {
  /** The LibTorch version the addon was compiled against (TORCH_VERSION). */
  libtorchVersion(): string;
  devices(): RawDeviceReport;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** n x n row-major matrix product on `device` (a c10 device string), off the JS thread. */
  smokeMatmul(device: string, a: Float32Array, b: Float32Array, n: number): Promise<Float32Array>;
}
