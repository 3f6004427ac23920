/** `latent_analysis` of a saved model (SPEC 5, dict version 1): the PCA behind the sliders. */
import { InvalidArgumentError, ModelFormatError, ModelVersionError } from '../errors';
import { NumpyArray, PyDict, numpyFloat32, type PyValue } from '../torchfile';

export const ANALYSIS_VERSION = 1;

export interface AnalysisResult {
  version: number;
  /** [k][latentDim] principal axes. */
  pcaComponents: number[][];
  /** [latentDim]. */
  pcaMean: number[];
  /** [k]. */
  explainedVarianceRatio: number[];
  /** k. */
  nActiveComponents: number;
  componentLabels: string[];
  suggestedLabels: string[];
  /** Per component, in latent units along the axis ([k] each). */
  safeMin: number[];
  safeMax: number[];
  warningMin: number[];
  warningMax: number[];
  stepSize: number[];
  /** Slider positions per component (21: -10..10). */
  nSteps: number;
  featureCorrelations: Record<string, number[]>;
  latentDim: number;
}

/**
 * Numbers an analysis may hold in all: far above any real one (k <= latent_dim, a few hundred numbers per
 * array), far below what would exhaust memory. The file can share one list many times, so the count is
 * what the arrays expand to, charged before each is copied.
 */
export const MAX_ANALYSIS_NUMBERS = 1 << 24;

type Ctx = { file: string | undefined; left: number };

function fail(ctx: Ctx, key: string, what: string): never {
  throw new ModelFormatError(`latent_analysis.${key} ${what}`, { file: ctx.file, key: `latent_analysis.${key}` });
}

function charge(ctx: Ctx, key: string, n: number): void {
  ctx.left -= n;
  if (ctx.left < 0) fail(ctx, key, `makes the analysis hold more than ${MAX_ANALYSIS_NUMBERS} numbers (is the file damaged?)`);
}

function numberAt(x: PyValue, key: string, ctx: Ctx): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'bigint') return Number(x);
  return fail(ctx, key, 'is not a number');
}

/**
 * A numpy array (any float or int dtype), a list of numbers or a list of rows of numbers (at most two
 * dimensions, as the Python app writes them), flattened, with its shape.
 */
function numbers(v: PyValue | undefined, key: string, ctx: Ctx): { values: number[]; shape: number[] } {
  if (v instanceof NumpyArray) {
    const size = v.dtype?.itemSize ?? 0;
    charge(ctx, key, size > 0 ? Math.floor((v.data?.byteLength ?? 0) / size) : 0);
    try {
      return { values: v.toNumbers(), shape: v.shape };
    } catch (cause) {
      fail(ctx, key, `is not a numeric array (${(cause as Error).message})`);
    }
  }
  if (!Array.isArray(v)) return fail(ctx, key, 'must be a numpy array or a list of numbers');
  if (v.length > 0 && v.every((x) => Array.isArray(x))) {
    const rows = v as PyValue[][];
    const width = rows[0].length;
    rows.forEach((row, i) => {
      if (row.length !== width) fail(ctx, key, 'has rows of different lengths');
      charge(ctx, `${key}[${i}]`, width);
    });
    const values = new Array<number>(rows.length * width);
    rows.forEach((row, i) => row.forEach((x, j) => (values[i * width + j] = numberAt(x, `${key}[${i}][${j}]`, ctx))));
    return { values, shape: [rows.length, width] };
  }
  charge(ctx, key, v.length);
  return { values: v.map((x, i) => numberAt(x, `${key}[${i}]`, ctx)), shape: [v.length] };
}

function vector(d: PyDict, key: string, length: number, ctx: Ctx): number[] {
  const { values } = numbers(d.get(key), key, ctx);
  if (values.length !== length) fail(ctx, key, `must have ${length} values; has ${values.length}`);
  return values;
}

function int(d: PyDict, key: string, ctx: Ctx): number {
  const v = d.get(key);
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' && Number.isInteger(v) ? v : NaN;
  if (!Number.isSafeInteger(n) || n < 0) fail(ctx, key, 'must be a non-negative integer');
  return n;
}

function strings(d: PyDict, key: string, length: number, ctx: Ctx): string[] {
  const v = d.get(key);
  if (v === undefined) return Array.from({ length }, () => '');
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) fail(ctx, key, 'must be a list of strings');
  return [...(v as string[])];
}

/** Reads `latent_analysis`; null when the model has none. */
export function analysisFromPy(value: PyValue | undefined, file?: string): AnalysisResult | null {
  if (value === undefined || value === null) return null;
  const ctx: Ctx = { file, left: MAX_ANALYSIS_NUMBERS };
  if (!(value instanceof PyDict)) throw new ModelFormatError('latent_analysis must be a dict or None', { file, key: 'latent_analysis' });
  const version = value.has('version') ? int(value, 'version', ctx) : ANALYSIS_VERSION;
  if (version > ANALYSIS_VERSION) throw new ModelVersionError('latent_analysis', version, ANALYSIS_VERSION, file);
  const comps = numbers(value.get('pca_components'), 'pca_components', ctx);
  const k = value.has('n_active_components') ? int(value, 'n_active_components', ctx) : comps.shape[0] ?? 0;
  const mean = numbers(value.get('pca_mean'), 'pca_mean', ctx).values;
  const latentDim = value.has('latent_dim') ? int(value, 'latent_dim', ctx) : mean.length;
  if (mean.length !== latentDim) fail(ctx, 'pca_mean', `must have latent_dim = ${latentDim} values; has ${mean.length}`);
  // PCA has at most as many components as dimensions; this also bounds every per-component array below.
  if (k > latentDim) fail(ctx, 'n_active_components', `is ${k}, more than latent_dim = ${latentDim}`);
  if (comps.values.length !== k * latentDim) {
    fail(ctx, 'pca_components', `must be [${k}, ${latentDim}]; has shape [${comps.shape.join(', ')}]`);
  }
  const pcaComponents = Array.from({ length: k }, (_, i) => comps.values.slice(i * latentDim, (i + 1) * latentDim));
  const fc = value.get('feature_correlations');
  const featureCorrelations: Record<string, number[]> = {};
  if (fc instanceof PyDict) {
    for (const [name, vals] of fc.entries()) {
      if (typeof name !== 'string') fail(ctx, 'feature_correlations', 'keys must be strings');
      featureCorrelations[name] = numbers(vals, `feature_correlations.${name}`, ctx).values;
    }
  } else if (fc !== undefined && fc !== null) {
    fail(ctx, 'feature_correlations', 'must be a dict');
  }
  return {
    version,
    pcaComponents,
    pcaMean: mean,
    explainedVarianceRatio: vector(value, 'explained_variance_ratio', k, ctx),
    nActiveComponents: k,
    componentLabels: strings(value, 'component_labels', k, ctx),
    suggestedLabels: strings(value, 'suggested_labels', k, ctx),
    safeMin: vector(value, 'safe_min', k, ctx),
    safeMax: vector(value, 'safe_max', k, ctx),
    warningMin: vector(value, 'warning_min', k, ctx),
    warningMax: vector(value, 'warning_max', k, ctx),
    stepSize: vector(value, 'step_size', k, ctx),
    nSteps: value.has('n_steps') ? int(value, 'n_steps', ctx) : 21,
    featureCorrelations,
    latentDim,
  };
}

/**
 * The `latent_analysis` dict as the Python app stores it (`analysis_to_dict`): arrays as float32 numpy
 * arrays, counts as ints, labels as lists of str, `feature_correlations` as lists of floats.
 */
export function analysisToPy(a: AnalysisResult): PyDict {
  const k = a.nActiveComponents;
  const f32 = (values: number[], shape: number[]) => numpyFloat32(shape, Float32Array.from(values));
  const vec = (values: number[], name: string) => {
    if (values.length !== k) throw new InvalidArgumentError(`analysis.${name} must have nActiveComponents = ${k} values; has ${values.length}`);
    return f32(values, [k]);
  };
  if (a.pcaComponents.length !== k || a.pcaComponents.some((row) => row.length !== a.latentDim)) {
    throw new InvalidArgumentError(`analysis.pcaComponents must be [${k}][${a.latentDim}]`);
  }
  if (a.pcaMean.length !== a.latentDim) throw new InvalidArgumentError(`analysis.pcaMean must have latentDim = ${a.latentDim} values`);
  const fc = new PyDict();
  for (const [name, values] of Object.entries(a.featureCorrelations)) fc.set(name, values.map((x) => Number(x)));
  return new PyDict([
    ['version', BigInt(a.version)],
    ['pca_components', f32(a.pcaComponents.flat(), [k, a.latentDim])],
    ['pca_mean', f32(a.pcaMean, [a.latentDim])],
    ['explained_variance_ratio', vec(a.explainedVarianceRatio, 'explainedVarianceRatio')],
    ['n_active_components', BigInt(k)],
    ['component_labels', [...a.componentLabels]],
    ['suggested_labels', [...a.suggestedLabels]],
    ['safe_min', vec(a.safeMin, 'safeMin')],
    ['safe_max', vec(a.safeMax, 'safeMax')],
    ['warning_min', vec(a.warningMin, 'warningMin')],
    ['warning_max', vec(a.warningMax, 'warningMax')],
    ['step_size', vec(a.stepSize, 'stepSize')],
    ['n_steps', BigInt(a.nSteps)],
    ['feature_correlations', fc],
    ['latent_dim', BigInt(a.latentDim)],
  ]);
}
