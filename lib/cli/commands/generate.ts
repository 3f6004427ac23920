/** `sda generate [model]`: audio from a model (the demo model when none is named), as WAV (or FLAC, Ogg, MP3) + sidecar JSON. */
import { randomInt } from 'crypto';
import * as path from 'path';
import type { Command } from 'commander';
import { GenerationPipeline } from '../../generate/pipeline';
import { type GenerationProgress, FORMAT_EXTENSIONS } from '../../generate/types';
import { generateBlend, type BlendMode } from '../../generate/blend';
import { blendSliders, openBlend, parseBlendMode, parseBlendSpec, resolveBlend, type BlendSpec } from '../blend-options';
import { loadModel } from '../../model/load-model';
import { MAX_SEED } from '../../generate/config';
import { DEFAULT_BIT_DEPTH } from '../../generate/wav';
import { usageError } from '../cli-error';
import { EXIT_OK } from '../exit-codes';
import { exportClip } from '../export-clip';
import { GENERATION_FLAGS, cliParser, flagSpec } from '../gen-options';
import { checkOptionPairs, parseCount, toGenerationConfig, type GenOptions } from '../../jobs/options';
import { jobResultView } from '../../jobs/result-view';
import { resolveModelsDir } from '../../library/models-dir';
import { checkOutputFolder, outputTarget, refuseExisting } from '../output-folder';
import { printJson, printLines } from '../output';
import { ProgressBar } from '../progress';
import { resolveModel } from '../resolve-model';
import { stopSignal, throwIfStopped } from '../stop';

interface GenerateFlags extends GenOptions {
  count: number;
  out: string;
  name?: string;
  clobber: boolean;
  device: string;
  modelsDir?: string;
  json?: boolean;
  progress: boolean;
  blend?: BlendSpec[];
  blendMode?: BlendMode;
}

export interface GeneratedFile {
  /** The audio file written. */
  file: string;
  /** @deprecated The same path as `file` whatever the format (its 0.2.0 name); read `file`. */
  wav: string;
  format: string;
  sidecar: string;
  seed: number;
  /** Seconds. */
  duration: number;
  sampleRate: number;
  channels: number;
  bitDepth: string;
  /** `reason` is the 0.2.0 name of `ratingReason`, kept for scripts that read it. */
  quality: { rating: string; snrDb: number; ratingReason: string; reason: string };
  /** One position per slider (null without sliders). */
  sliderPositions: number[] | null;
  /** The 0.2.0 name of `sliderPositions`, kept for scripts that read it. */
  sliders: number[] | null;
}

/**
 * The generation flags (lib/cli/gen-options.ts): each is an option key in kebab-case, so commander hands
 * them back under the API's own names (`--stereo-mode` -> `stereoMode`).
 */
export function addGenerationFlags(cmd: Command): Command {
  for (const f of GENERATION_FLAGS) {
    if (f.parse) cmd.option(flagSpec(f), f.description, cliParser(f.parse as (v: string, prev: unknown) => unknown));
    else cmd.option(flagSpec(f), f.description);
  }
  return cmd;
}

export function registerGenerate(program: Command): void {
  const cmd = program
    .command('generate')
    .argument('[model]', 'a .sda/.distill file, or a model id, id prefix, name or part of a name in the library (default: the demo model)')
    .description('generate audio from a model and write WAV (or FLAC, Ogg, MP3) files with their sidecar JSON');
  addGenerationFlags(cmd)
    .option('-n, --count <n>', 'number of clips', cliParser(parseCount), 1)
    .option('-o, --out <dir|file>', 'output folder (created when missing), or the audio file itself, ending in the format\'s extension (then --count is 1)', '.')
    .option('--name <file>', 'output file name, ending in the format\'s extension (default gen_<UTC time>_seed<seed>.<ext>); with --count N, _1 .. _N are added')
    .option('--no-clobber', 'refuse to replace an existing audio file or sidecar (exit 1) instead of overwriting it')
    .option('--device <device>', 'auto, cpu, cuda, cuda:N or mps', 'auto')
    .option('--blend <model:weight>', 'blend this model with weight 0-100 (repeatable, up to 4; instead of the model argument); --sliders positions apply to every model', cliParser(parseBlendSpec))
    .option('--blend-mode <mode>', 'latent (average the latent vectors, render with the first model; one latent size) or audio (average the renders) (default: "latent")', cliParser(parseBlendMode))
    .option('--models-dir <dir>', 'the model library (default: $SDA_MODELS_DIR, else [paths] models of ./config.toml, else data/models)')
    .option('--no-progress', 'no progress bar (there is none anyway when stderr is not a terminal)')
    .option('--json', 'print the files written and their quality as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ sda generate --duration 3 --out out                 # the demo model shipped in the package
  $ sda generate "My Model" --seed 42 --stereo-mode mid-side --sample-rate 44100 --bit-depth 16
  $ sda generate models/pads.sda --count 10 --seed 100 --out takes
  $ sda generate pads --sliders 0=5,2=-3 --duration 8
  $ sda generate pads --concat-mode interpolation --stereo-mode dual-seed --bit-depth 32f
  $ sda generate pads --random-sliders --count 4 --json | jq -r '.[].file'
  $ sda generate pads --seed 7 --out takes/pad.wav --no-clobber
  $ sda generate pads --format flac --bit-depth 16 --title "Pad take" --out takes
  $ sda generate pads --format mp3 --artist "Me" --album "Pads" --count 3
  $ sda generate --blend pads:60 --blend drones:40 --blend-mode audio --sliders 0=3 --duration 4

Prints the paths of the files written, one per line (each has a .json sidecar beside it). --format flac,
ogg or mp3 writes FLAC (16 or 24-bit), Ogg Vorbis or MP3 (320 kbps; 96 kHz becomes 48 kHz) tagged as
Distill does: --artist, --album, --title, and the seed and model name. The output folder is checked
before rendering. Ctrl-C or a closed stdout stops after the file being written: every file is complete
and has its sidecar.
Exit codes: 0 written, 1 failure (model not found or unreadable, output not writable or existing with
--no-clobber, generation or write failed), 2 bad usage, 130 stopped by Ctrl-C, 141 stdout closed.`,
    )
    .action(async (modelArg: string | undefined, flags: GenerateFlags) => {
      await runGenerate(modelArg, flags);
    });
}

async function runGenerate(modelArg: string | undefined, f: GenerateFlags): Promise<void> {
  const ext = FORMAT_EXTENSIONS[f.format ?? 'wav'];
  if (f.name !== undefined && (!f.name.toLowerCase().endsWith(ext) || f.name.includes('/') || f.name.includes('\\') || f.name.startsWith('.'))) {
    throw usageError(`--name must be a plain file name ending in ${ext}${f.format ? ` (--format ${f.format})` : ''}; got ${JSON.stringify(f.name)}`);
  }
  checkSeedRange(f);
  checkOptionPairs(f); // options that do not go together: refused before the model loads
  const target = outputTarget(f.out, f);
  if (target.file !== undefined && !target.file.toLowerCase().endsWith(ext)) {
    throw usageError(`--out ${JSON.stringify(f.out)} names a file that does not end in ${ext}${f.format ? ` (--format ${f.format})` : ' (give --format for FLAC, Ogg or MP3)'}`);
  }
  const names = Array.from({ length: f.count }, (_, i) => clipName(target.file ?? f.name, i, f.count));
  const { dir: modelsDir } = resolveModelsDir(f.modelsDir);
  if (f.blend && modelArg !== undefined) throw usageError('give the models of a blend with --blend MODEL:WEIGHT only, not also as the model argument');
  if (f.blend && f.randomSliders) throw usageError('--random-sliders is not available with --blend (the models have different sliders); give --sliders');
  if (!f.blend && f.blendMode) throw usageError('--blend-mode needs --blend MODEL:WEIGHT');
  const blendModels = f.blend ? await resolveBlend(f.blend, modelsDir) : null;
  const resolved = blendModels ? null : await resolveModel(modelArg, modelsDir);
  // Before the model is loaded and anything rendered: a folder we cannot write, or (with --no-clobber)
  // names already taken, would only be found after all the work.
  checkOutputFolder(target.dir);
  if (!f.clobber) refuseExisting(names.filter((n): n is string => n !== undefined).map((n) => path.join(target.dir, n)));
  throwIfStopped();
  const blend = blendModels ? await openBlend(blendModels, f.device) : null;
  const pipeline = blend ? blend.first : new GenerationPipeline(await loadModel(resolved!.path, { device: f.device }));
  const loaded = pipeline.loaded;
  const bar = new ProgressBar({ enabled: f.progress ? undefined : false });
  const outDir = target.dir;
  const written: GeneratedFile[] = [];
  try {
    const firstSeed = f.seed ?? randomInt(0, 2 ** 31 - f.count);
    for (let i = 0; i < f.count; i++) {
      throwIfStopped();
      const seed = firstSeed + i;
      // A blend's sliders are shared positions, turned into each model's vector by generateBlend.
      const gen = toGenerationConfig(blend ? { ...f, sliders: undefined } : f, loaded.analysis, seed);
      const { config, bitDepth, format, tags } = gen;
      const sliderPositions = blend ? blendSliders(f.sliders) : gen.sliderPositions;
      const label = f.count > 1 ? `clip ${i + 1}/${f.count}` : 'generating';
      const options = {
        signal: stopSignal(),
        onProgress: (p: GenerationProgress) => bar.update(p.done, p.total, label, `seed ${seed}`, p.stage === 'finish'),
      };
      const result = blend
        ? await generateBlend(blend.sources, config, { ...options, blendMode: f.blendMode, sliders: sliderPositions ?? [] })
        : await pipeline.generate(config, options);
      const files = await exportClip(result, outDir, { fileName: names[i], bitDepth, overwrite: f.clobber, format, tags });
      bar.clear();
      // The file's own figures, as every report gives them (an MP3 of a 96 kHz result is at 48 kHz).
      const view = jobResultView(result, { audioPath: files.audioPath, format: format ?? 'wav', bitDepth: bitDepth ?? DEFAULT_BIT_DEPTH });
      const item: GeneratedFile = {
        file: files.audioPath,
        wav: files.audioPath,
        format: format ?? 'wav',
        sidecar: files.sidecarPath,
        seed: result.seedUsed,
        duration: result.duration,
        sampleRate: view.sampleRate ?? result.sampleRate,
        channels: result.channelCount,
        bitDepth: bitDepth ?? DEFAULT_BIT_DEPTH,
        quality: { rating: result.quality.rating, snrDb: result.quality.snrDb, ratingReason: result.quality.ratingReason, reason: result.quality.ratingReason },
        sliderPositions,
        sliders: sliderPositions,
      };
      written.push(item);
      if (!f.json) printLines([item.file]);
    }
  } finally {
    bar.clear();
    if (blend) blend.dispose();
    else pipeline.dispose();
  }
  if (f.json) printJson(written);
  process.exitCode = EXIT_OK;
}

/** The file name of clip `i`: `--name` (or the `--out` file) as given, with `_1 .. _N` for several clips. */
function clipName(name: string | undefined, i: number, count: number): string | undefined {
  return name !== undefined && count > 1 ? name.replace(/(\.[^.]+)$/, `_${i + 1}$1`) : name;
}

/**
 * Clip i uses seed + i, and a dual-seed clip also seed + i + 1 on the right; all must stay exact integers
 * (at most 2^53-1). Checked as the user wrote it, before anything is loaded.
 */
function checkSeedRange(f: GenerateFlags): void {
  if (f.seed === undefined) return;
  const extra = f.count - 1 + (f.stereoMode === 'dual-seed' ? 1 : 0);
  if (f.seed + extra > MAX_SEED) {
    const why = [f.count > 1 ? `--count ${f.count} uses seed to seed+${f.count - 1}` : '', f.stereoMode === 'dual-seed' ? 'dual-seed also uses seed+1 for the right channel' : '']
      .filter(Boolean)
      .join(' and ');
    throw usageError(`--seed must be at most 2^53-${1 + extra} here (${why}); got ${f.seed}`);
  }
}
