/** `sda convert CHECKPOINT --name NAME`: a training checkpoint (`*.pt`) to a saved model in the library. */
import * as fs from 'fs';
import * as path from 'path';
import { InvalidArgumentError as CommanderInvalidArgument, type Command } from 'commander';
import { readModelMetadata } from '../../library/repair';
import { saveModelFromCheckpoint } from '../../library/convert-checkpoint';
import type { ModelMetadata } from '../../model/metadata';
import { modelNotFound } from '../cli-error';
import { EXIT_OK } from '../exit-codes';
import { resolveModelsDir } from '../../library/models-dir';
import { printJson, printLines } from '../output';
import { cliWarning } from '../resolve-model';

interface ConvertFlags {
  name: string;
  description?: string;
  tag?: string[];
  datasetName?: string;
  datasetFiles?: number;
  datasetDuration?: number;
  trainingDate?: string;
  format: 'sda' | 'distill';
  modelsDir?: string;
  allowActivationChange?: boolean;
  json?: boolean;
}

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .argument('<checkpoint>', 'a training checkpoint written by the Python app (checkpoint_epochNNNN.pt)')
    .description('convert a training checkpoint into a saved model (.sda) in the library')
    .requiredOption('--name <name>', 'the model name (also gives the file name)')
    .option('--description <text>', 'description')
    .option('-t, --tag <tag>', 'a tag (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--dataset-name <name>', 'name of the training data set')
    .option('--dataset-files <n>', 'number of files in the training data set', (v: string) => intArg('--dataset-files', v))
    .option('--dataset-duration <seconds>', 'total duration of the training data set', (v: string) => numArg('--dataset-duration', v))
    .option('--training-date <iso>', 'when it was trained (ISO 8601)')
    .option('--format <format>', 'sda (.sda) or distill (.distill)', (v: string) => {
      if (v !== 'sda' && v !== 'distill') throw new CommanderInvalidArgument('format must be sda or distill');
      return v;
    }, 'sda')
    .option('--allow-activation-change', 'save a checkpoint of one app under the other app\'s format although its decoder activation then differs (Sigmoid vs Softplus: wrong audio)')
    .option('--models-dir <dir>', 'the model library to save into (default: $SDA_MODELS_DIR, else [paths] models of ./config.toml, else data/models; created when missing)')
    .option('--json', 'print the new catalog entry as JSON')
    .addHelpText(
      'after',
      `
Weights, spectrogram and training configs and the latent analysis are kept; optimizer and scheduler
state are dropped; epochs and final losses are taken from the checkpoint. A checkpoint of the
small_dataset_audio app is converted to sda (Sigmoid decoder), one of the Distill app to distill
(Softplus); the other format is refused unless --allow-activation-change is given.

Examples:
  $ sda convert data/checkpoints/checkpoint_epoch0040.pt --name "Rain pads" --tag rain --tag pads
  $ sda convert run/checkpoint_epoch0007.pt --name test --models-dir /tmp/models --json

Exit codes: 0 converted, 1 failure (not a checkpoint, damaged file), 2 bad usage.`,
    )
    .action(async (checkpoint: string, f: ConvertFlags) => {
      if (!fs.existsSync(checkpoint)) throw modelNotFound(checkpoint, `no checkpoint file ${path.resolve(checkpoint)}`);
      const { dir } = resolveModelsDir(f.modelsDir);
      const metadata: Partial<ModelMetadata> = { name: f.name };
      if (f.description !== undefined) metadata.description = f.description;
      if (f.tag) metadata.tags = f.tag;
      if (f.datasetName !== undefined) metadata.datasetName = f.datasetName;
      if (f.datasetFiles !== undefined) metadata.datasetFileCount = f.datasetFiles;
      if (f.datasetDuration !== undefined) metadata.datasetTotalDurationS = f.datasetDuration;
      if (f.trainingDate !== undefined) metadata.trainingDate = f.trainingDate;
      const file = await saveModelFromCheckpoint(checkpoint, {
        modelsDir: dir,
        metadata,
        format: f.format === 'distill' ? 'distill_model' : 'sda_model',
        allowActivationChange: f.allowActivationChange,
        library: { onWarning: cliWarning },
      });
      const md = await readModelMetadata(file);
      const size = fs.statSync(file).size;
      if (f.json) printJson({ file, fileSizeBytes: size, modelsDir: dir, metadata: md });
      else printLines([`saved ${md.name} (${md.modelId}): ${file}`]);
      process.exitCode = EXIT_OK;
    });
}

function intArg(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new CommanderInvalidArgument(`${name} must be a non-negative integer`);
  return n;
}

function numArg(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new CommanderInvalidArgument(`${name} must be a non-negative number`);
  return n;
}
