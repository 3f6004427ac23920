/** `sda model list|info|search|add|delete|repair`: the model library (`model_library.json`) of a models directory. */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { getSliderInfo } from '../../controls';
import { type ModelEntry, type ModelEntrySortKey, entryField } from '../../library/entry';
import { ModelLibrary } from '../../library/library';
import { type LibraryWarning } from '../../library/index-store';
import { matchModel, resolveModel } from '../../library/resolve';
import { deleteModel } from '../../library/delete-model';
import { addModelFile, checkModelFile, type AddedModel, type ModelFileKind } from '../../library/add-model';
import { savedModelParts } from '../../model/load-model';
import { readTorchFile, toJSONValue } from '../../torchfile';
import { CliError, modelNotFound, usageError } from '../cli-error';
import { ModelExistsError } from '../../errors';
import { EXIT_OK } from '../exit-codes';
import { resolveModelsDir } from '../../library/models-dir';
import { formatBytes, printJson, printLines, table } from '../output';
import { escapeForTerminal } from '../escape';
import { cliWarning, openLibrary } from '../resolve-model';

interface DirFlags {
  modelsDir?: string;
  json?: boolean;
}
interface ListFlags extends DirFlags {
  sort?: string;
  reverse?: boolean;
}

const MODELS_DIR_HELP = 'the model library (default: $SDA_MODELS_DIR, else [paths] models of ./config.toml, else data/models)';

function sortKey(v: string | undefined): ModelEntrySortKey | undefined {
  if (v === undefined) return undefined;
  const f = entryField(v);
  if (!f) throw usageError(`--sort must be a catalog field such as name, save_date, training_epochs, file_size_bytes, final_val_loss; got ${JSON.stringify(v)}`);
  return f;
}

function rows(entries: ModelEntry[]): string[] {
  if (entries.length === 0) return [];
  return table(
    ['ID', 'NAME', 'SLIDERS', 'EPOCHS', 'SIZE', 'SAVED', 'TAGS'],
    entries.map((e) => [
      e.modelId.slice(0, 8),
      e.name,
      e.hasAnalysis ? String(e.nActiveComponents) : '-',
      String(e.trainingEpochs),
      formatBytes(e.fileSizeBytes),
      e.saveDate.slice(0, 19).replace('T', ' '),
      e.tags.join(','),
    ]),
  );
}

async function listOrSearch(f: ListFlags, query?: string, tags?: string[]): Promise<void> {
  const { dir } = resolveModelsDir(f.modelsDir);
  const library = openLibrary(dir);
  const sortBy = sortKey(f.sort);
  // --sort KEY lists in ascending order (A to Z, oldest, smallest first), as sort tools do; without --sort
  // the newest come first. --reverse flips either. (The library's `reverse: true` means descending.)
  const descending = sortBy === undefined ? !f.reverse : f.reverse === true;
  const entries = library ? await library.search({ query: query ?? '', tags: tags ?? [], sortBy, reverse: descending }) : [];
  if (f.json) printJson({ modelsDir: dir, count: entries.length, models: entries });
  else if (entries.length === 0) printLines([`no models${query || tags?.length ? ' match' : ''} in ${dir}`]);
  else printLines(rows(entries));
  process.exitCode = EXIT_OK;
}

/** The library entry for an id / id prefix / name / part of a name (ambiguity reported); exits 1 when there is none. */
async function entryFor(dir: string, spec: string): Promise<{ library: ModelLibrary; entry: ModelEntry }> {
  const library = openLibrary(dir);
  const found = library ? matchModel(await library.listAll(), spec, library.modelsDir) : undefined;
  if (!library || !found) throw modelNotFound(spec, `no model ${JSON.stringify(spec)} in ${dir}; see \`sda model list\``);
  return { library, entry: found.entry };
}

/** Everything known about a saved model file, read without LibTorch (tensor data skipped). */
export async function modelFileInfo(file: string): Promise<Record<string, unknown>> {
  const st = fs.statSync(file);
  const tf = await readTorchFile(file, { storages: 'skip' });
  const parts = savedModelParts(tf.value, file);
  let params = 0;
  for (const [, v] of parts.stateDict.entries()) {
    const t = (v as { shape?: number[]; data?: { shape: number[] } });
    const shape = t.shape ?? t.data?.shape;
    if (shape) params += shape.reduce((a, b) => a * b, 1);
  }
  return {
    file,
    fileSizeBytes: st.size,
    format: parts.format,
    version: parts.version,
    latentDim: parts.latentDim,
    stateDictEntries: parts.stateDict.size,
    parameters: params,
    hasEncoder: parts.stateDict.has('encoder.fc_mu.weight'),
    metadata: parts.metadata,
    spectrogramConfig: parts.spectrogram,
    trainingConfig: toJSONValue(parts.trainingConfig),
    sliders: parts.analysis ? getSliderInfo(parts.analysis) : null,
  };
}

function infoText(info: Record<string, unknown>): string[] {
  const m = info.metadata as Record<string, unknown>;
  const s = info.spectrogramConfig as Record<string, unknown>;
  const sliders = info.sliders as ReturnType<typeof getSliderInfo> | null;
  const lines = [
    `${m.name}`,
    `  id          ${m.modelId}`,
    `  file        ${info.file} (${formatBytes(info.fileSizeBytes as number)})`,
    `  format      ${info.format} v${info.version}, latent size ${info.latentDim}, ${info.parameters} parameters${info.hasEncoder ? '' : ', no encoder'}`,
    `  audio       ${s.sampleRate} Hz, n_fft ${s.nFft}, hop ${s.hopLength}, ${s.nMels} mel bands`,
    `  dataset     ${m.datasetName || '-'} (${m.datasetFileCount} files, ${m.datasetTotalDurationS} s)`,
    `  training    ${m.trainingEpochs} epochs, train loss ${m.finalTrainLoss}, val loss ${m.finalValLoss}, ${m.trainingDate || '-'}`,
    `  saved       ${m.saveDate}`,
    `  tags        ${(m.tags as string[]).join(', ') || '-'}`,
  ];
  if (m.description) lines.push(`  description ${m.description}`);
  if (!sliders) lines.push('  sliders     none (no latent analysis)');
  else {
    lines.push(`  sliders     ${sliders.length}`);
    lines.push(
      ...table(
        ['    #', 'LABEL', 'SUGGESTED', 'VAR %', 'SAFE', 'RANGE'],
        sliders.map((x) => [
          `    ${x.index}`,
          x.label,
          x.suggestedLabel,
          x.varianceExplainedPct.toFixed(1),
          `${x.safeMinStep}..${x.safeMaxStep}`,
          `${x.minStep}..${x.maxStep}`,
        ]),
      ),
    );
  }
  return lines;
}

export function registerModel(program: Command): void {
  const model = program
    .command('model')
    .description('manage a model library: list, info, search, add, delete, repair')
    .addHelpText(
      'after',
      `
The library is the folder of .sda files and its model_library.json: --models-dir, else $SDA_MODELS_DIR,
else [paths] models of ./config.toml (as the Python app reads it), else data/models.

Examples:
  $ sda model list
  $ sda model info "My Model"
  $ sda model search pad --tag ambient
  $ sda model add ~/Downloads/pads.sda --tag ambient
  $ sda model delete 3f2a9c1e --yes
  $ sda model repair --models-dir ~/sda/data/models

A model argument is looked up in this order, the first step that matches deciding: exact id, id prefix
(4+ characters), exact name, name ignoring case, part of the name ignoring case. Several models at that
step: ERR_SDA_AMBIGUOUS_MODEL, listing them (give the id). A path (with / or a .sda/.distill ending) is a file.

Exit codes: 0 success, 1 failure (no such model, unreadable file), 2 bad usage.`,
    );

  model
    .command('list')
    .description('list the models of the library, newest first (or sorted by --sort)')
    .option('--sort <field>', 'sort by a catalog field in ascending order (name: A to Z; save_date, training_epochs, file_size_bytes, final_val_loss, ...)')
    .option('--reverse', 'reverse the order (with --sort: descending; without: oldest first)')
    .option('--models-dir <dir>', MODELS_DIR_HELP)
    .option('--json', 'print {"modelsDir", "count", "models": [entries]} as JSON')
    .addHelpText('after', '\nExamples:\n  $ sda model list\n  $ sda model list --sort name\n  $ sda model list --sort file_size_bytes --reverse\n  $ sda model list --json | jq -r \'.models[].name\'')
    .action((f: ListFlags) => listOrSearch(f));

  model
    .command('search')
    .argument('[query]', 'case-insensitive text to find in names and descriptions (empty: all)')
    .description('find models by name or description text and by tags')
    .option('-t, --tag <tag>', 'only models with this tag (repeatable: any of them)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--sort <field>', 'sort by a catalog field in ascending order (without it: newest first)')
    .option('--reverse', 'reverse the order (with --sort: descending; without: oldest first)')
    .option('--models-dir <dir>', MODELS_DIR_HELP)
    .option('--json', 'print the matching entries as JSON')
    .addHelpText('after', '\nExamples:\n  $ sda model search pad\n  $ sda model search --tag drums --tag perc\n  $ sda model search "" --sort final_val_loss --json')
    .action((query: string | undefined, f: ListFlags & { tag?: string[] }) => listOrSearch(f, query, f.tag));

  model
    .command('info')
    .argument('<model>', 'a model id, id prefix (4+ characters), name or part of a name in the library, or a .sda/.distill file')
    .description('show a model: metadata, spectrogram config, size and its sliders (read without LibTorch)')
    .option('--models-dir <dir>', MODELS_DIR_HELP)
    .option('--json', 'print the catalog entry and the file details as JSON')
    .addHelpText('after', '\nExamples:\n  $ sda model info "My Model"\n  $ sda model info models/pads.sda --json | jq .sliders')
    .action(async (spec: string, f: DirFlags) => {
      const { dir } = resolveModelsDir(f.modelsDir);
      const found = await resolveModel(spec, { modelsDir: dir, library: { onWarning: cliWarning } });
      const entry: ModelEntry | null = found.entry ?? null;
      const info = await modelFileInfo(found.path);
      if (f.json) printJson({ entry, ...info });
      else printLines(infoText(info));
      process.exitCode = EXIT_OK;
    });

  model
    .command('add')
    .argument('<file...>', 'saved models (.sda, .distill) to copy, or training checkpoints (.pt) to convert')
    .description('add model files to the library: copied (or a checkpoint converted) and cataloged')
    .option('--name <name>', 'the model name (only with one file; default: the model\'s own, a checkpoint\'s file name)')
    .option('-t, --tag <tag>', 'a tag to add (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--replace', 'a model whose id is already in the library replaces it (default: refused, ERR_SDA_MODEL_EXISTS)')
    .option('--models-dir <dir>', `${MODELS_DIR_HELP}; created when missing`)
    .option('--json', 'print {"modelsDir", "added": [{"source", "file", "via", "metadata"}]} as JSON')
    .addHelpText(
      'after',
      `
Each file goes through the loader's checks first; if any is not a model nothing is added. A saved model
keeps its model id (adding it twice is refused unless --replace); a checkpoint is converted as
\`sda convert\` does. Files are written atomically (temp file + rename) under the library lock.

Examples:
  $ sda model add pads.sda drums.distill
  $ sda model add ~/Downloads/rain.sda --name "Rain pads" --tag rain --tag pads
  $ sda model add run/checkpoint_epoch0040.pt --name "Rain pads v2" --json

Exit codes: 0 added, 1 failure (not a model, already in the library, damaged file), 2 bad usage.`,
    )
    .action(async (files: string[], f: DirFlags & { name?: string; tag?: string[]; replace?: boolean }) => {
      if (f.name !== undefined && files.length > 1) throw usageError(`--name names one model; got ${files.length} files`);
      const { dir } = resolveModelsDir(f.modelsDir);
      // Every file is checked before the first is written: a wrong file, or a model already cataloged, adds nothing.
      const kinds: ModelFileKind[] = [];
      for (const file of files) kinds.push(await checkModelFile(file));
      if (!f.replace) {
        const library = openLibrary(dir);
        const ids = new Set((library ? await library.listAll() : []).map((e) => e.modelId));
        files.forEach((file, i) => {
          const k = kinds[i]!;
          if (k.kind !== 'copy' || !k.metadata.modelId) return;
          if (ids.has(k.metadata.modelId)) throw modelExists(file, k.metadata.modelId);
          ids.add(k.metadata.modelId);
        });
      }
      const added: AddedModel[] = [];
      for (const file of files) {
        try {
          added.push(await addModelFile(file, { modelsDir: dir, name: f.name, tags: f.tag, replace: f.replace, library: { onWarning: cliWarning } }));
        } catch (e) {
          throw e instanceof ModelExistsError ? modelExists(file, e.modelId) : e;
        }
      }
      if (f.json) printJson({ modelsDir: dir, added: added.map((a) => ({ source: a.source, file: a.path, via: a.via, metadata: a.metadata })) });
      else printLines(added.map((a) => `added ${a.metadata.name} (${a.metadata.modelId})${a.via === 'checkpoint' ? ', converted from a checkpoint' : ''}: ${a.path}`));
      process.exitCode = EXIT_OK;
    });

  model
    .command('delete')
    .argument('<model>', 'a model id, id prefix (4+ characters), name or part of a name in the library')
    .description('delete a model: its .sda file and its catalog entry')
    .option('-y, --yes', 'do not ask (required when standard input is not a terminal)')
    .option('--models-dir <dir>', MODELS_DIR_HELP)
    .option('--json', 'print {"deleted": entry} as JSON')
    .addHelpText('after', '\nExamples:\n  $ sda model delete "Old Model"\n  $ sda model delete 3f2a9c1e --yes --json')
    .action(async (spec: string, f: DirFlags & { yes?: boolean }) => {
      const { dir } = resolveModelsDir(f.modelsDir);
      const { entry } = await entryFor(dir, spec);
      if (!f.yes) {
        if (!process.stdin.isTTY) throw usageError('refusing to delete without --yes (standard input is not a terminal)');
        const ok = await confirm(escapeForTerminal(`Delete "${entry.name}" (${entry.modelId}, ${entry.filePath})? [y/N] `));
        if (!ok) {
          process.stderr.write('not deleted\n');
          process.exitCode = EXIT_OK;
          return;
        }
      }
      const removed = await deleteModel(entry.modelId, { modelsDir: dir, library: { onWarning: cliWarning } });
      if (!removed) throw modelNotFound(entry.modelId, `model ${entry.modelId} was removed meanwhile`);
      if (f.json) printJson({ deleted: entry });
      else printLines([`deleted ${entry.name} (${entry.modelId}): ${path.join(dir, entry.filePath)}`]);
      process.exitCode = EXIT_OK;
    });

  model
    .command('repair')
    .description('fix the catalog: drop entries whose file is gone, add .sda files that have none, remove stale temp files')
    .option('--models-dir <dir>', MODELS_DIR_HELP)
    .option('--json', 'print {"removed", "added", "unreadable", "tempFilesRemoved"} as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ sda model repair\n  $ sda model repair --models-dir data/models --json\n\n' +
        'A corrupt model_library.json is kept aside (model_library.json.corrupt-<time>-<pid>) and rebuilt.\n' +
        'Model files that cannot be cataloged are left alone and listed with the reason ("not cataloged").\n' +
        'Exit code 0 when the catalog was repaired (even with files listed as not cataloged), 1 when it could not be.',
    )
    .action(async (f: DirFlags) => {
      const { dir } = resolveModelsDir(f.modelsDir);
      if (!fs.existsSync(dir)) throw modelNotFound(dir, `the models folder ${dir} does not exist`);
      // Files not cataloged are listed in the output, not repeated as warnings.
      const onWarning = (w: LibraryWarning) => (w.code === 'SDA_LIBRARY_UNREADABLE_MODEL' ? undefined : cliWarning(w));
      const library = new ModelLibrary(dir, { onWarning });
      const r = await library.repairIndex();
      const count = await library.count();
      if (f.json) printJson({ modelsDir: dir, ...r, models: count });
      else {
        printLines([
          `${dir}: ${count} model${count === 1 ? '' : 's'} cataloged`,
          ...r.removed.map((id) => `  removed entry ${id} (file gone)`),
          ...r.added.map((id) => `  added ${id}`),
          ...r.unreadable.map((u) => `  not cataloged: ${u.file}: ${u.reason}`),
          ...r.tempFilesRemoved.map((n) => `  deleted temp file ${n}`),
        ]);
      }
      process.exitCode = EXIT_OK;
    });
}

function modelExists(file: string, modelId: string): CliError {
  return new CliError('ERR_SDA_MODEL_EXISTS', `${file}: the library already has its model ${modelId}; add --replace to replace that model`);
}

async function confirm(question: string): Promise<boolean> {
  const readline = await import('readline/promises');
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
