'use strict';
// Finds the LibTorch this package builds and runs against, at set-up time, and records the result in
// <package>/libtorch-location.json so that `require` never searches again.
// Order: (1) $LIBTORCH, (2) the project-local libtorch/, (3) a pip-installed Python torch (found with
// importlib.util.find_spec, without importing torch), (4) the user cache's LibTorch for the pinned wheel
// (scripts/libtorch-cache.js), (5) only when allowed, fill that cache entry from the package index
// (scripts/fetch-libtorch.js), once per machine. Nothing else: CMake is pointed at exactly this root, so a
// system LibTorch of another version (Debian's libtorch-dev is 1.13) can never be picked up silently.
// Plain JavaScript because it runs at install time, before TypeScript is compiled.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const cache = require('./libtorch-cache.js');

const LOCATION_FILE = 'libtorch-location.json';
const LOCATION_SCHEMA = 1;

function sharedLibName(base) {
  if (process.platform === 'darwin') return `lib${base}.dylib`;
  return `lib${base}.so`;
}

// Why `root` is not a usable LibTorch root, or null when it is.
function rootProblem(root) {
  if (!fs.existsSync(root)) return 'does not exist';
  const needed = [
    'include/ATen',
    'include/torch/csrc/api/include',
    path.join('lib', sharedLibName('c10')),
    path.join('lib', sharedLibName('torch_cpu')),
    'share/cmake/Torch/TorchConfig.cmake',
  ];
  const missing = needed.filter((rel) => !fs.existsSync(path.join(root, rel)));
  if (missing.length) return `missing ${missing.join(', ')}`;
  if (!readLibtorchVersion(root)) return 'no readable torch version header';
  return null;
}

// The version the headers declare (what the addon will be compiled against).
function readLibtorchVersion(root) {
  const candidates = [
    'include/torch/headeronly/version.h',
    'include/torch/csrc/api/include/torch/version.h',
  ];
  for (const rel of candidates) {
    let text;
    try {
      text = fs.readFileSync(path.join(root, rel), 'utf8');
    } catch {
      continue;
    }
    const str = /#define\s+TORCH_VERSION\s*\\?\s*"([0-9]+\.[0-9]+\.[0-9]+)[^"]*"/.exec(text);
    if (str) return str[1];
    const part = (name) => {
      const m = new RegExp(`#define\\s+TORCH_VERSION_${name}\\s+(\\d+)`).exec(text);
      return m ? m[1] : null;
    };
    const [maj, min, pat] = [part('MAJOR'), part('MINOR'), part('PATCH')];
    if (maj && min && pat) return `${maj}.${min}.${pat}`;
  }
  return null;
}

// The libraries to preload before the addon, in dependency order. CUDA ones exist only in CUDA builds.
function runtimeLibraries(root) {
  return ['c10', 'c10_cuda', 'torch_cpu', 'torch_cuda', 'torch']
    .map((base) => path.join(root, 'lib', sharedLibName(base)))
    .filter((p) => fs.existsSync(p));
}

function describe(root, foundBy) {
  return {
    schema: LOCATION_SCHEMA,
    version: readLibtorchVersion(root),
    root,
    includeDirs: [path.join(root, 'include'), path.join(root, 'include/torch/csrc/api/include')],
    libDir: path.join(root, 'lib'),
    cmakeDir: path.join(root, 'share/cmake/Torch'),
    libraries: runtimeLibraries(root),
    cudaBuild: fs.existsSync(path.join(root, 'lib', sharedLibName('torch_cuda'))),
    foundBy,
    locatedAt: new Date().toISOString(),
  };
}

function pythonExecutable(env) {
  return env.SDA_PYTHON || 'python3';
}

// The directory of an installed Python torch package, found without importing it (1.3 s) or null.
function findPythonTorch(python) {
  const code =
    'import importlib.util, json\n' +
    "s = importlib.util.find_spec('torch')\n" +
    'print(json.dumps(list(s.submodule_search_locations or []) if s else []))';
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8', timeout: 30000 });
  if (r.error) return { dir: null, reason: `${python} could not be run (${r.error.code || r.error.message})` };
  if (r.status !== 0) return { dir: null, reason: `${python} failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  let dirs = [];
  try {
    dirs = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    return { dir: null, reason: `${python} printed something unexpected` };
  }
  if (!dirs.length) return { dir: null, reason: `no torch module for ${python}` };
  return { dir: dirs[0], reason: null };
}

class LibtorchNotFoundError extends Error {
  constructor(message, tried) {
    super(message);
    this.name = 'LibtorchNotFoundError';
    this.code = 'ERR_SDA_LIBTORCH_NOT_FOUND';
    this.tried = tried;
  }
}

function howToFix() {
  return [
    'How to fix, any one of:',
    '  - export LIBTORCH=/path/to/libtorch   (a LibTorch root with include/, lib/, share/cmake/Torch)',
    '  - npx sda setup-libtorch              (fills the user cache from `pip download torch==2.13.0+cpu`;',
    '                                          if npm rolled the install back: `npm install small-dataset-audio --ignore-scripts` first)',
    '  - pip install torch                   (a CUDA build of PyTorch gives GPU support)',
    'then run `npm rebuild small-dataset-audio` (or `npm ci` in a clone).',
  ].join('\n');
}

/**
 * Locate LibTorch. options: packageRoot (required), env (default process.env; its SDA_LIBTORCH_CACHE,
 * XDG_CACHE_HOME and SDA_TORCH_PIP_SPEC choose the cache entry), fetch (function(dest) that fills the
 * cache entry dest, or null to never download).
 */
function locateLibtorch({ packageRoot, env = process.env, fetch = null }) {
  const tried = [];
  if (env.LIBTORCH) {
    const root = path.resolve(env.LIBTORCH);
    const problem = rootProblem(root);
    if (!problem) return describe(root, 'env');
    // The user asked for this one explicitly: falling back to another would hide their mistake.
    throw new LibtorchNotFoundError(
      `LIBTORCH=${env.LIBTORCH} is not a usable LibTorch root: ${problem}.\n${howToFix()}`,
      [`LIBTORCH=${env.LIBTORCH}: ${problem}`],
    );
  }
  tried.push('LIBTORCH environment variable: not set');

  const local = path.join(packageRoot, 'libtorch');
  const localProblem = rootProblem(local);
  if (!localProblem) return describe(local, 'local');
  tried.push(`project-local ${local}: ${localProblem}`);

  const python = pythonExecutable(env);
  const py = findPythonTorch(python);
  if (py.dir) {
    const problem = rootProblem(py.dir);
    if (!problem) return describe(py.dir, 'python');
    tried.push(`Python torch at ${py.dir}: ${problem}`);
  } else {
    tried.push(`Python torch: ${py.reason}`);
  }

  const entry = cache.cacheEntry(env);
  const cached = rootProblem(entry);
  if (!cached) return describe(entry, 'cache');
  tried.push(`user cache ${entry}: ${cached}`);

  if (fetch) {
    try {
      fetch(entry);
    } catch (err) {
      tried.push(`download into ${entry}: ${err.message}`);
    }
    const problem = rootProblem(entry);
    if (!problem) return describe(entry, 'cache');
    if (fs.existsSync(entry)) tried.push(`downloaded ${entry}: ${problem}`);
  } else {
    tried.push('download from the package index: not attempted (SDA_NO_FETCH=1 or not allowed here)');
  }

  throw new LibtorchNotFoundError(
    `LibTorch was not found. Tried, in order:\n${tried.map((t) => `  - ${t}`).join('\n')}\n${howToFix()}`,
    tried,
  );
}

function locationPath(packageRoot) {
  return path.join(packageRoot, LOCATION_FILE);
}

function writeLocation(packageRoot, location) {
  const file = locationPath(packageRoot);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(location, null, 2)}\n`);
  fs.renameSync(tmp, file);
  return file;
}

function readLocation(packageRoot) {
  return JSON.parse(fs.readFileSync(locationPath(packageRoot), 'utf8'));
}

module.exports = {
  LOCATION_FILE,
  LOCATION_SCHEMA,
  LibtorchNotFoundError,
  locateLibtorch,
  describe,
  readLibtorchVersion,
  rootProblem,
  runtimeLibraries,
  findPythonTorch,
  locationPath,
  writeLocation,
  readLocation,
};

if (require.main === module) {
  // `node scripts/locate-libtorch.js`: locate without downloading and print the result as JSON.
  const packageRoot = path.resolve(__dirname, '..');
  try {
    process.stdout.write(`${JSON.stringify(locateLibtorch({ packageRoot }), null, 2)}\n`);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
