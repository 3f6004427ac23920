/**
 * Loads the native addon once per process.
 *
 * LibTorch is found through the recorded location, not through an RPATH: its libraries are preloaded by
 * absolute path with RTLD_GLOBAL (and RTLD_NODELETE, or Node would unload the `libtorch.so` stub again)
 * before the `.node` file is loaded, so the addon's `libtorch_cpu.so`/`libc10.so` dependencies resolve to
 * exactly those. This one mechanism serves the user cache, a project-local libtorch/, $LIBTORCH and a
 * pip-installed torch alike, and lets a prebuild made on another machine run here (an RPATH is fixed at build time, and
 * setting LD_LIBRARY_PATH from JavaScript has no effect on the running process).
 */
import * as os from 'os';
import * as path from 'path';
import { isMainThread } from 'worker_threads';
import { AddonLoadError, LibtorchVersionMismatchError } from '../errors';
import { packageRoot } from '../package-info';
import type { NativeAddon } from './addon-types';
import { readLocation, type LibtorchLocation } from './location';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };

/** glibc's RTLD_NODELETE and macOS's; Node's os.constants.dlopen lacks it. */
const RTLD_NODELETE = process.platform === 'darwin' ? 0x80 : process.platform === 'linux' ? 0x1000 : 0;

export interface LoadedAddon {
  binding: NativeAddon;
  /** Absolute path of the `.node` file in use (build/Release or prebuilds/). */
  path: string;
  location: LibtorchLocation;
}

const preloaded = new Set<string>();
const loaded = new Map<string, LoadedAddon>();

/** Spins of an idle OpenMP thread before it sleeps (libgomp's GOMP_SPINCOUNT; its default is 300,000). */
export const OPENMP_SPIN_COUNT = '10000';

/**
 * libgomp, LibTorch's OpenMP runtime, reads GOMP_SPINCOUNT once, when LibTorch loads: with its default,
 * a thread that ends a parallel region early spins so long that on a machine whose cores other
 * processes share it takes the CPU from the thread it waits for (docs/native.md, "Threads on a busy
 * machine"). Set here, before LibTorch loads, unless the environment chose (GOMP_SPINCOUNT or
 * OMP_WAIT_POLICY). It reaches libgomp only where process.env is the C environment: a plain Node
 * process, not a Jest test file or a worker thread that loads the addon first.
 */
function setOpenMpSpin(): void {
  if (process.env.GOMP_SPINCOUNT === undefined && process.env.OMP_WAIT_POLICY === undefined) {
    process.env.GOMP_SPINCOUNT = OPENMP_SPIN_COUNT;
  }
}

function preload(libraries: string[]): void {
  const { RTLD_NOW, RTLD_GLOBAL } = os.constants.dlopen as Record<string, number>;
  for (const lib of libraries) {
    if (preloaded.has(lib)) continue;
    try {
      process.dlopen({ exports: {} }, lib, (RTLD_NOW ?? 2) | (RTLD_GLOBAL ?? 0x100) | RTLD_NODELETE);
    } catch (err) {
      // A plain shared library is loaded but "did not self-register" as a Node module: that is success.
      if (!/did not self-register/.test((err as Error).message)) {
        throw new AddonLoadError(`Could not load LibTorch library ${lib}: ${(err as Error).message}`, { cause: err });
      }
    }
    preloaded.add(lib);
  }
}

/**
 * Loads (once) the addon of the package installed at `root` (default: this package), checking that it was
 * compiled against the LibTorch version that was located.
 */
export function loadAddon(root: string = packageRoot()): LoadedAddon {
  const cached = loaded.get(root);
  if (cached) return cached;
  const location = readLocation(root);
  if (preloaded.size === 0) setOpenMpSpin();
  preload(location.libraries);
  let addonPath: string;
  try {
    // SDA_ADDON_PATH: a specific build of the addon (the sanitizer build of scripts/sanitize-native.sh).
    addonPath = process.env.SDA_ADDON_PATH ? path.resolve(process.env.SDA_ADDON_PATH) : nodeGypBuild.resolve(root);
  } catch (cause) {
    throw new AddonLoadError(
      `No native addon was built for this installation (${root}). ` +
        'Run `npm rebuild small-dataset-audio --build-from-source` (or `npm ci` in a clone).',
      { cause },
    );
  }
  let binding: NativeAddon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    binding = require(addonPath) as NativeAddon;
  } catch (cause) {
    throw new AddonLoadError(`Could not load the native addon ${addonPath}: ${(cause as Error).message}`, { cause });
  }
  const builtAgainst = binding.libtorchVersion();
  if (builtAgainst !== location.version) {
    throw new LibtorchVersionMismatchError(builtAgainst, location.version, addonPath, location.root);
  }
  stopOnExit(binding);
  const result: LoadedAddon = { binding, path: addonPath, location };
  loaded.set(root, result);
  return result;
}

const EXIT_HOOK = Symbol.for('small-dataset-audio.stopOnExit');

/**
 * A process that exits (process.exit() with native calls in flight, a second Ctrl-C) runs C++ static
 * destructors that tear LibTorch down while the LibTorch thread may still be in a call: under
 * AddressSanitizer, a use after free. On the process's 'exit' event the thread is stopped first and the
 * call in progress waited for (10 s at most; past that the process ends at once with its code, skipping
 * the destructors). Not in a worker thread: its exit ends only the worker (native/torch_call.h).
 */
function stopOnExit(binding: NativeAddon): void {
  const marked = binding as unknown as Record<symbol, boolean>;
  if (!isMainThread || marked[EXIT_HOOK]) return;
  marked[EXIT_HOOK] = true;
  process.once('exit', (code) => binding.stopForExit(typeof code === 'number' ? code : 0));
}

/** The raw binding of this package's addon (loads it once); for the wrappers in lib/native only. */
export function native(): NativeAddon {
  return loadAddon().binding;
}

/** The LibTorch version the native addon was compiled against (loads the addon). */
export function libtorchVersion(): string {
  return native().libtorchVersion();
}

/** The `.node` file in use and the LibTorch version it was compiled against (loads the addon). */
export function addonInfo(): { path: string; builtAgainst: string } {
  const { path: file, binding } = loadAddon();
  return { path: file, builtAgainst: binding.libtorchVersion() };
}
