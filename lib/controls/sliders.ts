/**
 * Slider controls over a model's latent analysis (SPEC 5), as the Python app computes them.
 *
 * A slider i has integer positions in [-(nSteps // 2), nSteps // 2]; the latent vector is
 * `pcaMean + sum_i position_i * stepSize_i * pcaComponents_i`, computed in float32 as numpy does with the
 * app's float32 arrays.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../errors';
import type { AnalysisResult } from '../model/analysis';
import { Pcg64 } from './numpy-random';

/** One slider's ranges, in slider steps (`get_slider_info`). */
export interface SliderInfo {
  index: number;
  /** The component's label (`component_labels[i]`). */
  label: string;
  /** The feature it correlates with most (`suggested_labels[i]`). */
  suggestedLabel: string;
  /** Hard limits: -(nSteps // 2) and nSteps // 2. */
  minStep: number;
  maxStep: number;
  /** ceil(safeMin / step) and floor(safeMax / step), clamped to the hard limits. */
  safeMinStep: number;
  safeMaxStep: number;
  /** ceil(warningMin / step) and floor(warningMax / step), clamped to the hard limits. */
  warningMinStep: number;
  warningMaxStep: number;
  /** explained_variance_ratio[i] * 100. */
  varianceExplainedPct: number;
}

function halfRange(a: AnalysisResult): number {
  return Math.floor(a.nSteps / 2);
}

function checkAnalysis(a: AnalysisResult): void {
  if (!a || !Array.isArray(a.stepSize) || !Array.isArray(a.pcaComponents)) {
    throw new InvalidArgumentError('analysis must be an AnalysisResult (the model has no latent analysis?)');
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** [ceil(min/step), floor(max/step)] clamped to ±half; [0, 0] when the step is 0. */
function stepRange(min: number, max: number, step: number, half: number): [number, number] {
  if (!(step > 0) && !(step < 0)) return [0, 0];
  return [clamp(Math.ceil(min / step), -half, half), clamp(Math.floor(max / step), -half, half)];
}

/** Per-slider ranges (`get_slider_info`). */
export function getSliderInfo(analysis: AnalysisResult): SliderInfo[] {
  checkAnalysis(analysis);
  const half = halfRange(analysis);
  const out: SliderInfo[] = [];
  for (let i = 0; i < analysis.nActiveComponents; i++) {
    const step = analysis.stepSize[i]!;
    const [safeMinStep, safeMaxStep] = stepRange(analysis.safeMin[i]!, analysis.safeMax[i]!, step, half);
    const [warningMinStep, warningMaxStep] = stepRange(analysis.warningMin[i]!, analysis.warningMax[i]!, step, half);
    out.push({
      index: i,
      label: analysis.componentLabels[i] ?? `Axis ${i + 1}`,
      suggestedLabel: analysis.suggestedLabels[i] ?? '',
      minStep: -half,
      maxStep: half,
      safeMinStep,
      safeMaxStep,
      warningMinStep,
      warningMaxStep,
      varianceExplainedPct: analysis.explainedVarianceRatio[i]! * 100,
    });
  }
  return out;
}

/** Every slider at 0 (the latent mean). */
export function centerSliders(analysis: AnalysisResult): number[] {
  checkAnalysis(analysis);
  return new Array<number>(analysis.nActiveComponents).fill(0);
}

function checkPositions(positions: readonly number[], analysis: AnalysisResult): void {
  const k = analysis.nActiveComponents;
  if (!Array.isArray(positions) || positions.length !== k) {
    throw new InvalidArgumentError(`positions must be an array of ${k} slider positions (one per active component); got ${Array.isArray(positions) ? positions.length : typeof positions}`);
  }
  const half = halfRange(analysis);
  positions.forEach((p, i) => {
    if (!Number.isInteger(p) || p < -half || p > half) {
      throw new InvalidArgumentError(`positions[${i}] must be an integer in [${-half}, ${half}]; got ${p}`);
    }
  });
}

/**
 * The latent vector for slider positions (`sliders_to_latent`): float32, `latentDim` values, computed
 * with numpy's float32 rounding (`z += (pos * step) * component`).
 */
export function slidersToLatent(positions: readonly number[], analysis: AnalysisResult): Float32Array {
  checkAnalysis(analysis);
  checkPositions(positions, analysis);
  const z = Float32Array.from(analysis.pcaMean);
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    if (p === 0) continue;
    const scale = Math.fround(p * Math.fround(analysis.stepSize[i]!));
    const comp = analysis.pcaComponents[i]!;
    for (let j = 0; j < z.length; j++) z[j] = z[j]! + Math.fround(scale * Math.fround(comp[j]!));
  }
  return z;
}

/**
 * Random slider positions inside each slider's safe range (`randomize_sliders`): per slider a uniform
 * integer in [ceil(safeMin/step), floor(safeMax/step)] clamped to the hard limits, 0 when the step is 0 or
 * the range is empty. With a seed the draws are those of the Python app (`numpy.random.default_rng(seed)`,
 * one `integers(lo, hi + 1)` per slider), so the same seed gives the same positions in both apps; without
 * one the seed is drawn from the OS.
 */
export function randomizeSliders(analysis: AnalysisResult, seed?: number | bigint): number[] {
  checkAnalysis(analysis);
  let s: bigint;
  if (seed === undefined || seed === null) {
    s = BigInt(`0x${randomBytes(16).toString('hex')}`);
  } else if (typeof seed === 'bigint' || (typeof seed === 'number' && Number.isSafeInteger(seed))) {
    s = BigInt(seed);
    if (s < 0n) throw new InvalidArgumentError(`seed must be a non-negative integer; got ${seed}`);
  } else {
    throw new InvalidArgumentError(`seed must be a non-negative integer; got ${String(seed)}`);
  }
  const rng = new Pcg64(s);
  const half = halfRange(analysis);
  const out: number[] = [];
  for (let i = 0; i < analysis.nActiveComponents; i++) {
    const step = analysis.stepSize[i]!;
    if (!(step > 0) && !(step < 0)) {
      out.push(0);
      continue;
    }
    const [lo, hi] = stepRange(analysis.safeMin[i]!, analysis.safeMax[i]!, step, half);
    out.push(lo > hi ? 0 : rng.integers(lo, hi + 1));
  }
  return out;
}

/** Whether `position` of slider `index` lies between a warning bound and its safe bound (`is_in_warning_zone`). */
export function isInWarningZone(position: number, index: number, analysis: AnalysisResult): boolean {
  checkAnalysis(analysis);
  if (!Number.isInteger(index) || index < 0 || index >= analysis.nActiveComponents) {
    throw new InvalidArgumentError(`index must be a slider index in [0, ${analysis.nActiveComponents - 1}]; got ${index}`);
  }
  const info = getSliderInfo(analysis)[index]!;
  return (
    (position >= info.warningMinStep && position < info.safeMinStep) || (position > info.safeMaxStep && position <= info.warningMaxStep)
  );
}
