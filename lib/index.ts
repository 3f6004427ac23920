/**
 * small-dataset-audio: load, run and manage small_dataset_audio (`.sda`) models from Node.
 *
 * The public API. Everything exported here is typed and documented; anything else is internal.
 */

// Errors (all extend SdaError and carry a stable `code`).
export {
  SdaError,
  InvalidArgumentError,
  DeviceUnavailableError,
  LibtorchNotFoundError,
  LibtorchVersionMismatchError,
  AddonLoadError,
  NativeError,
} from './errors';

// LibTorch, the native addon and devices (lib/native).
export type { LibtorchLocation, LibtorchSource } from './native/location';
export { readLocation as libtorchLocation } from './native/location';
export type { DeviceInfo, DeviceSpec, DeviceType } from './native/devices';
export { listDevices, resolveDevice, parseDeviceSpec, setNumThreads, getNumThreads } from './native/devices';
export { deviceMatmul } from './native/smoke';
export { doctor, formatDoctorReport } from './doctor';
export type { DoctorReport } from './doctor';

/** The LibTorch version the native addon was compiled against (loads the addon). */
export function libtorchVersion(): string {
  // Loaded lazily so that pure-TypeScript features (files, library, controls) never load LibTorch.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./native/loader') as typeof import('./native/loader')).loadAddon().binding.libtorchVersion();
}
