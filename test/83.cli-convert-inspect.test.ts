// `sda convert` on the genuine checkpoint; `sda inspect --json` on every genuine torch.save file.
import * as fs from 'fs';
import * as path from 'path';
import { GENUINE } from './helpers/paths';
import { CHECKPOINT, DEMO, checkOutputs, sda, tmpDir } from './helpers/cli';

test('83.1 convert the genuine checkpoint into a library; the new model generates', () => {
  const lib = path.join(tmpDir('conv'), 'models');
  const r = sda(['convert', CHECKPOINT, '--name', 'From the CLI!', '--description', 'converted', '--tag', 'cli', '--tag', 'ckpt',
    '--dataset-name', 'tones', '--dataset-files', '12', '--models-dir', lib, '--json']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const j = JSON.parse(r.stdout);
  expect(j.file).toBe(path.join(lib, 'from_the_cli.sda'));
  expect(j.metadata).toMatchObject({ name: 'From the CLI!', description: 'converted', tags: ['cli', 'ckpt'], datasetName: 'tones', datasetFileCount: 12, trainingEpochs: 7 });
  expect(j.metadata.finalTrainLoss).toBeGreaterThan(0);
  const list = JSON.parse(sda(['model', 'list', '--models-dir', lib, '--json']).stdout);
  expect(list.models).toEqual([expect.objectContaining({ modelId: j.metadata.modelId, filePath: 'from_the_cli.sda', trainingEpochs: 7 })]);
  const info = JSON.parse(sda(['model', 'info', j.metadata.modelId, '--models-dir', lib, '--json']).stdout);
  expect(info).toMatchObject({ latentDim: 64, stateDictEntries: 57, spectrogramConfig: { sampleRate: 16000 } });
  expect(info.trainingConfig.preset.object).toBe('small_dataset_audio.training.config.OverfittingPreset');
  // A second conversion with the same name gets _1.
  const again = sda(['convert', CHECKPOINT, '--name', 'From the CLI!', '--models-dir', lib]);
  expect(again.stdout).toMatch(/^saved From the CLI! \([0-9a-f-]{36}\): .*from_the_cli_1\.sda\n$/);
  const out = tmpDir('gen');
  const g = sda(['generate', 'From the CLI!', '-d', '0.5', '-s', '1', '-o', out, '--models-dir', lib]);
  expect(g.status).toBe(1); // two models have that name now
  expect(g.stderr).toMatch(/^sda: ERR_SDA_AMBIGUOUS_MODEL: "From the CLI!" matches 2 models by name/);
  const g2 = sda(['generate', j.metadata.modelId, '-d', '0.5', '-s', '1', '-o', out, '--models-dir', lib]);
  expect(g2.status).toBe(0);
  expect(checkOutputs([g2.stdout.trim()])[0]).toMatchObject({ rate: 48000, frames: 24000, sidecar: { model_name: 'From the CLI!' } });
  // A saved model is not a checkpoint.
  const bad = sda(['convert', DEMO, '--name', 'x', '--models-dir', lib]);
  expect(bad.status).toBe(1);
  expect(bad.stderr).toMatch(/^sda: ERR_SDA_MODEL_FORMAT: .*already a saved model, not a training checkpoint\n$/);
});

test('83.2 inspect --json on every genuine file agrees with the pickletools scan of the fixtures', () => {
  const scan = JSON.parse(fs.readFileSync(path.join(GENUINE, 'pickle_scan.json'), 'utf8'));
  expect(scan.files.length).toBe(4);
  for (const f of scan.files) {
    const r = sda(['inspect', path.join(GENUINE, f.file), '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ container: 'zip', archiveName: f.zip_prefix, protocol: f.protocol, byteOrder: 'little', sizeBytes: f.size_bytes, storageRecords: f.n_storage_records });
    expect([...j.records].sort()).toEqual([...f.zip_members_non_storage].sort());
    expect(Object.keys(j.globals).sort()).toEqual(Object.keys(f.globals).sort());
    expect(j.globals['torch._utils._rebuild_tensor_v2']).toBe(f.global_use_counts['torch._utils._rebuild_tensor_v2']);
    expect(j.globals['collections.OrderedDict']).toBe(f.global_use_counts['collections.OrderedDict']);
    expect(j.tensors.count).toBe(f.n_storage_records);
    expect(Object.keys(j.tree.keys)).toEqual(expect.arrayContaining(f.dict_keys_seen_sample.filter((k: string) => k in j.tree.keys)));
    expect(j.kind).toBe(f.file.endsWith('.pt') ? 'checkpoint' : 'sda_model');
  }
  const t = JSON.parse(sda(['inspect', path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda'), '--json']).stdout);
  expect(t.tree.keys.model_state_dict.keys['decoder.fc.weight']).toEqual({ type: 'tensor', dtype: 'float32', shape: [12288, 64], device: 'cpu', storage: expect.any(String) });
  expect(t.tree.keys.latent_analysis.keys.pca_components).toEqual({ type: 'ndarray', dtype: '<f4', shape: [19, 64] });
  expect(t.tree.keys.training_config.keys.preset).toMatchObject({ type: 'object', class: 'small_dataset_audio.training.config.OverfittingPreset' });
  const text = sda(['inspect', path.join(GENUINE, 'checkpoint/checkpoint_epoch0007.pt')]);
  expect(text.status).toBe(0);
  expect(text.stdout).toMatch(/zip torch\.save file, 10\.4 MB, pickle protocol 2/);
  expect(text.stdout).toMatch(/kind\s+checkpoint/);
  expect(text.stdout).toMatch(/optimizer_state_dict: dict/);
});

test('83.3 inspect refuses what is not a torch.save file, with one line and exit 1', () => {
  const dir = tmpDir('insp');
  const junk = path.join(dir, 'junk.sda');
  fs.writeFileSync(junk, 'hello, this is not a pickle');
  const r = sda(['inspect', junk]);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^sda: ERR_SDA_TORCH_FILE\w*: .+\n$/);
  const missing = sda(['inspect', path.join(dir, 'nope.pt')]);
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/^sda: ERR_SDA_MODEL_NOT_FOUND: no file .*nope\.pt\n$/);
});
