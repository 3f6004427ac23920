/**
 * Spatial output (Distill's `inference/spatial.py`): mono, stereo (mid/side width plus a depth
 * reflection) or binaural (HRTF convolution, lib/generate/binaural.ts). Every step rounds to float32
 * where Distill's numpy code does, in the same order, so a signal goes through here to the same samples
 * as through Distill (up to the last bit of float32 rounding of its FFT convolution for binaural).
 */
import { InvalidArgumentError } from '../errors';
import { copyLoop, runSliced, type SliceOptions } from '../util/slices';
import { applyBinauralAsync } from './binaural';
import { GEN_OPTIONS as T } from './options-table';

/** `mono` (one channel), `stereo` (mid/side width and depth) or `binaural` (an HRTF from a SOFA file). */
export type SpatialMode = (typeof T.spatial.values)[number];

export const SPATIAL_MODES: readonly SpatialMode[] = Object.freeze([...T.spatial.values]);

export interface SpatialConfig {
  mode: SpatialMode;
  /** 0 = centre, 1 = natural, up to 1.5 = exaggerated (default 0.7). */
  width: number;
  /** 0 = close, 1 = distant (default 0.5): a delayed copy for stereo, a high-frequency roll-off for binaural. */
  depth: number;
  /** The SOFA HRTF file binaural mode convolves with (required for it; Distill ships none). */
  hrtfPath?: string;
}

/** Distill's SpatialConfig() defaults. */
export const DEFAULT_SPATIAL: Readonly<SpatialConfig> = Object.freeze({ mode: 'mono', width: T.stereoWidth.default, depth: T.depth.default });

/** Distill's Haas delay of the right channel before mid/side (15 ms). */
export const HAAS_DELAY_MS = 15;
/** The depth reflection: delay `depth * 40 ms`, level `depth * 0.15`, none below depth 0.01. */
export const DEPTH_DELAY_MS = 40;
export const DEPTH_LEVEL = 0.15;
export const MIN_DEPTH = 0.01;

/** Samples per range of the loops (a few operations each). */
const GRAIN = 8192;

const f32 = Math.fround;

/** Checks a spatial config as Distill's SpatialConfig.validate does (plus binaural needing its file). */
export function validateSpatial(spatial: unknown, name = 'spatial'): asserts spatial is SpatialConfig {
  if (typeof spatial !== 'object' || spatial === null) throw new InvalidArgumentError(`${name} must be an object {mode, width, depth}`);
  const s = spatial as Record<string, unknown>;
  if (!SPATIAL_MODES.includes(s.mode as SpatialMode)) {
    throw new InvalidArgumentError(`${name}.mode must be one of ${SPATIAL_MODES.map((m) => `"${m}"`).join(', ')}; got ${JSON.stringify(s.mode)}`);
  }
  // The width is the options' stereoWidth, the depth their depth.
  for (const [key, range] of [['width', T.stereoWidth], ['depth', T.depth]] as const) {
    const v = s[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < range.min || v > range.max) {
      throw new InvalidArgumentError(`${name}.${key} must be a number from ${range.min} to ${range.max}; got ${JSON.stringify(v)}`);
    }
  }
  if (s.hrtfPath !== undefined && (typeof s.hrtfPath !== 'string' || s.hrtfPath === '')) {
    throw new InvalidArgumentError(`${name}.hrtfPath must be the path of a SOFA file; got ${JSON.stringify(s.hrtfPath)}`);
  }
  if (s.mode === 'binaural' && s.hrtfPath === undefined) {
    throw new InvalidArgumentError(
      `${name}.mode "binaural" needs ${name}.hrtfPath, a SOFA HRTF file (for example MIT_KEMAR_normal_pinna.sofa from sofacoustics.org; Distill does not ship one)`,
    );
  }
}

/**
 * The spatial config of a legacy stereo setting (Distill's `migrate_stereo_config`): mid-side keeps its
 * width with depth 0.3; dual-seed is stereo at width 0.7 (its width was never used) with depth 0.3.
 */
export function migrateStereoMode(stereoMode: 'mono' | 'mid-side' | 'dual-seed', width: number): SpatialConfig {
  switch (stereoMode) {
    case 'mid-side':
      return { mode: 'stereo', width, depth: 0.3 };
    case 'dual-seed':
      return { mode: 'stereo', width: 0.7, depth: 0.3 };
    default:
      return { ...DEFAULT_SPATIAL };
  }
}

/**
 * One channel to its spatial rendering at `rate` Hz: `[mono]` itself for mono, `[left, right]` otherwise.
 * Runs in slices that yield to the event loop; binaural reads `spatial.hrtfPath`.
 */
export async function applySpatialAsync(mono: Float32Array, rate: number, spatial: SpatialConfig, options: SliceOptions = {}): Promise<Float32Array[]> {
  validateSpatial(spatial);
  switch (spatial.mode) {
    case 'mono':
      return [mono];
    case 'stereo': {
      const stereo = await runSliced(midSideWork(mono, rate, spatial.width), options);
      return runSliced(depthWork(stereo, rate, spatial.depth), options);
    }
    case 'binaural':
      return applyBinauralAsync(mono, rate, { hrtfPath: spatial.hrtfPath!, width: spatial.width, depth: spatial.depth }, options);
  }
}

/**
 * Two independently rendered channels (dual seed: left from the seed, right from seed + 1) to their
 * spatial rendering, as Distill's `apply_spatial_to_dual_seed`: mono averages them, stereo keeps them
 * as left and right and adds the depth reflection (no width), binaural renders their average. The
 * shorter channel is padded with zeros.
 */
export async function applySpatialToDualSeedAsync(
  left: Float32Array,
  right: Float32Array,
  rate: number,
  spatial: SpatialConfig,
  options: SliceOptions = {},
): Promise<Float32Array[]> {
  validateSpatial(spatial);
  const n = Math.max(left.length, right.length);
  if (spatial.mode === 'stereo') return runSliced(dualStereoWork(left, right, n, rate, spatial.depth), options);
  const mixed = await runSliced(averageWork(left, right, n), options);
  return applySpatialAsync(mixed, rate, spatial, options);
}

/** Copies of both channels padded to `n` (the depth works in place), then the depth reflection. */
function* dualStereoWork(left: Float32Array, right: Float32Array, n: number, rate: number, depth: number) {
  const pair = [new Float32Array(n), new Float32Array(n)];
  yield copyLoop(left, pair[0]!);
  yield copyLoop(right, pair[1]!);
  return yield* depthWork(pair, rate, depth);
}

/** `(left + right) * 0.5` in float32, a missing sample counting as 0. */
function* averageWork(left: Float32Array, right: Float32Array, n: number) {
  const out = new Float32Array(n);
  yield {
    n,
    grain: GRAIN,
    body: (start: number, end: number) => {
      for (let i = start; i < end; i++) out[i] = f32((left[i] ?? 0) + (right[i] ?? 0)) * 0.5;
    },
  };
  return out;
}

/**
 * Distill's `apply_mid_side_widening`: right = the signal `int(15 ms * rate)` samples later (silent when
 * that is the whole signal), mid = (l + r) * 0.5, side = (l - r) * 0.5, left = mid + width * side,
 * right = mid - width * side, each step rounded to float32 as numpy does. The package's older
 * midSideAsync (stereo.ts) computes the same in float64 with a rounded delay, for the older app's path.
 */
function* midSideWork(mono: Float32Array, rate: number, width: number) {
  const w = f32(Math.min(1.5, Math.max(0, width)));
  const delay = Math.trunc((HAAS_DELAY_MS * rate) / 1000);
  const n = mono.length;
  const left = new Float32Array(n);
  const right = new Float32Array(n);
  // Distill leaves the right channel silent when the delay is the whole signal or more.
  const shifted = delay === 0 ? 0 : delay < n ? delay : -1;
  yield {
    n,
    grain: GRAIN,
    body: (start: number, end: number) => {
      for (let i = start; i < end; i++) {
        const l = mono[i]!;
        const r = shifted < 0 || i < shifted ? 0 : mono[i - shifted]!;
        const mid = f32(l + r) * 0.5;
        const side = f32(l - r) * 0.5;
        const ws = f32(w * side);
        left[i] = mid + ws;
        right[i] = mid - ws;
      }
    },
  };
  return [left, right];
}

/**
 * Distill's `_apply_depth_to_stereo`, in place: each channel plus `depth * 0.15` times itself delayed
 * `int(depth * 40 ms * rate)` samples (read before it is changed: the loop runs from the end). Nothing
 * below depth 0.01 or with a delay of no samples or the whole signal.
 */
function* depthWork(stereo: Float32Array[], rate: number, depth: number) {
  if (depth < MIN_DEPTH) return stereo;
  const delay = Math.trunc((depth * DEPTH_DELAY_MS * rate) / 1000);
  const n = stereo[0]!.length;
  if (delay < 1 || delay >= n) return stereo;
  const level = f32(depth * DEPTH_LEVEL);
  const last = n - 1;
  for (const ch of stereo) {
    yield {
      n: n - delay,
      grain: GRAIN,
      body: (start: number, end: number) => {
        for (let k = start; k < end; k++) {
          const i = last - k;
          ch[i] = ch[i]! + f32(level * ch[i - delay]!);
        }
      },
    };
  }
  return stereo;
}
