// Slider controls (SPEC 5) against the Python app's outputs, and the numpy RNG behind randomizeSliders.
import * as fs from 'fs';
import * as path from 'path';
import { InvalidArgumentError, centerSliders, getSliderInfo, isInWarningZone, randomizeSliders, slidersToLatent } from '../lib';
import { analysisFromPy, type AnalysisResult } from '../lib/model/analysis';
import { Pcg64 } from '../lib/controls/numpy-random';
import { PyDict, readTorchFile } from '../lib/torchfile';
import { GENUINE } from './helpers/paths';
import { readNpy } from './helpers/npy';
import { runPython } from './helpers/python';
import { tempDir } from './helpers/library-util';

const REFS = path.join(GENUINE, 'trained/refs');
const ref = JSON.parse(fs.readFileSync(path.join(REFS, 'slider_info.json'), 'utf8'));
let analysis: AnalysisResult;

beforeAll(async () => {
  const { value } = await readTorchFile(path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda'), { storages: 'skip' });
  analysis = analysisFromPy((value as PyDict).get('latent_analysis'))!;
});

test('45.1 getSliderInfo equals get_slider_info', () => {
  const info = getSliderInfo(analysis).map((s) => ({
    index: s.index, label: s.label, suggested_label: s.suggestedLabel, min_step: s.minStep, max_step: s.maxStep,
    safe_min_step: s.safeMinStep, safe_max_step: s.safeMaxStep, warning_min_step: s.warningMinStep,
    warning_max_step: s.warningMaxStep, variance_explained_pct: s.varianceExplainedPct,
  }));
  expect(info).toEqual(ref.get_slider_info);
});

test('45.2 slidersToLatent equals sliders_to_latent (slider_latents.npy, within 1e-6; bitwise here)', () => {
  const lat = readNpy(path.join(REFS, 'slider_latents.npy'));
  expect(lat.shape).toEqual([3, 64]);
  ref.slider_positions.forEach((p: number[], r: number) => {
    const z = slidersToLatent(p, analysis);
    expect(z).toBeInstanceOf(Float32Array);
    expect(z.length).toBe(64);
    let worst = 0;
    for (let j = 0; j < 64; j++) worst = Math.max(worst, Math.abs(z[j]! - lat.data[r * 64 + j]!));
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(Buffer.from(z.buffer).equals(Buffer.from(lat.data.buffer, lat.data.byteOffset + r * 256, 256))).toBe(true);
  });
  expect(Array.from(slidersToLatent(centerSliders(analysis), analysis))).toEqual(Array.from(Float32Array.from(analysis.pcaMean)));
});

test('45.3 randomizeSliders(seed) reproduces randomize_sliders(seed=123); center and warning zones match', () => {
  expect(randomizeSliders(analysis, 123)).toEqual(ref.randomize_sliders_seed123_positions);
  expect(randomizeSliders(analysis, 123n)).toEqual(ref.randomize_sliders_seed123_positions);
  expect(centerSliders(analysis)).toEqual(ref.center_sliders_positions);
  const t = ref.is_in_warning_zone_table;
  const table = t.rows_per_slider.map((_: boolean[], i: number) => t.positions.map((p: number) => isInWarningZone(p, i, analysis)));
  expect(table).toEqual(t.rows_per_slider);
  // Random positions stay in the safe ranges; without a seed they vary.
  const info = getSliderInfo(analysis);
  for (let s = 0; s < 50; s++) {
    randomizeSliders(analysis).forEach((p, i) => {
      expect(p).toBeGreaterThanOrEqual(info[i]!.safeMinStep);
      expect(p).toBeLessThanOrEqual(info[i]!.safeMaxStep);
    });
  }
  const draws = new Set(Array.from({ length: 10 }, () => JSON.stringify(randomizeSliders(analysis))));
  expect(draws.size).toBeGreaterThan(1);
});

test('45.4 the PCG64 / SeedSequence / integers port equals numpy for many seeds and ranges', () => {
  const cases: Array<{ seed: number | string; ranges: number[][] }> = [];
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
  for (let c = 0; c < 40; c++) {
    const ranges: number[][] = [];
    for (let r = 0; r < 30; r++) {
      const lo = (next() % 41) - 20;
      const width = [0, 1, 2, 5, 20, 1000, 65535, 2 ** 31, 2 ** 32 - 2][next() % 9]!;
      ranges.push([lo, lo + width]);
    }
    cases.push({ seed: c < 30 ? c * 7919 : Number(BigInt(next()) * 4294967296n % 9007199254740991n), ranges });
  }
  cases.push({ seed: 0, ranges: [[0, 0], [-3, -3], [5, 6]] });
  const dir = tempDir('lib45');
  try {
    const file = path.join(dir, 'cases.json');
    fs.writeFileSync(file, JSON.stringify(cases));
    const expected = JSON.parse(runPython(path.join(__dirname, 'python/library_numpy_rng.py'), [file]));
    const ours = cases.map((c) => {
      const rng = new Pcg64(BigInt(c.seed));
      return c.ranges.map(([lo, hi]) => rng.integers(lo!, hi! + 1));
    });
    expect(ours).toEqual(expected);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('45.5 bad positions, indexes and seeds are refused; degenerate steps give 0', () => {
  expect(() => slidersToLatent([1, 2], analysis)).toThrow(/array of 19 slider positions/);
  expect(() => slidersToLatent(new Array(19).fill(11), analysis)).toThrow(/positions\[0\] must be an integer in \[-10, 10\]; got 11/);
  expect(() => slidersToLatent(new Array(19).fill(0.5), analysis)).toThrow(InvalidArgumentError);
  expect(() => isInWarningZone(0, 19, analysis)).toThrow(/index must be a slider index in \[0, 18\]/);
  expect(() => randomizeSliders(analysis, -1)).toThrow(/seed must be a non-negative integer/);
  expect(() => randomizeSliders(analysis, 1.5)).toThrow(InvalidArgumentError);
  const flat: AnalysisResult = {
    ...analysis,
    stepSize: analysis.stepSize.map((s, i) => (i === 0 ? 0 : s)),
    safeMin: analysis.safeMin.map((v, i) => (i === 1 ? 5 : v)),
    safeMax: analysis.safeMax.map((v, i) => (i === 1 ? -5 : v)),
  };
  const p = randomizeSliders(flat, 7);
  expect(p[0]).toBe(0); // step 0
  expect(p[1]).toBe(0); // empty range
  const info = getSliderInfo(flat);
  expect(info[0]).toMatchObject({ safeMinStep: 0, safeMaxStep: 0, warningMinStep: 0, warningMaxStep: 0 });
});
