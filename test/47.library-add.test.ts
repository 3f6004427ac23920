// Models added to a library (addModelFile, `sda model add`) load and generate, found by what a person
// types; `demo` stays the package's demo model unless a library model has that name or id prefix.
import * as fs from 'fs';
import * as path from 'path';
import { ModelFormatError, ModelLibrary, addModelFile, loadModel, readModelMetadata } from '../lib';
import { CHECKPOINT, DEMO, sda, tmpDir } from './helpers/cli';
import { GENUINE } from './helpers/paths';
import { PyDict, writeTorchFile } from '../lib/torchfile';

const DISTILL = path.join(GENUINE, 'distill/models/head_distill_public_fixture_latent_32.distill');

/** `sda generate QUERY` into `out` as NAME; the sidecar's model name and the WAV's bytes. */
function generate(query: string, modelsDir: string, out: string, name: string): { modelName: string; wav: Buffer } {
  const r = sda(['generate', query, '-d', '0.3', '-s', '4', '-o', out, '--name', name, '--models-dir', modelsDir]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const wav = path.join(out, name);
  const sidecar = JSON.parse(fs.readFileSync(wav.replace(/\.wav$/, '.json'), 'utf8'));
  return { modelName: sidecar.model_name, wav: fs.readFileSync(wav) };
}

test('47.1 addModelFile copies a saved model (keeping its id and weights) and converts a checkpoint; both load', async () => {
  const modelsDir = path.join(tmpDir('add-api'), 'models');
  const copy = await addModelFile(DEMO, { modelsDir, tags: ['mine'] });
  const own = await readModelMetadata(DEMO);
  expect(copy).toMatchObject({ source: DEMO, via: 'copy', metadata: { modelId: own.modelId, name: own.name, tags: [...own.tags, 'mine'] } });
  const converted = await addModelFile(CHECKPOINT, { modelsDir, name: 'Rain pads' });
  expect(converted).toMatchObject({ source: CHECKPOINT, via: 'checkpoint', path: path.join(modelsDir, 'rain_pads.sda'), metadata: { name: 'Rain pads', trainingEpochs: 7 } });
  expect((await new ModelLibrary(modelsDir).listAll()).map((e) => e.filePath).sort()).toEqual([path.basename(copy.path), 'rain_pads.sda']);
  for (const file of [copy.path, converted.path]) {
    const m = await loadModel(file, { device: 'cpu' });
    expect(m.metadata.modelId).toBe(file === copy.path ? own.modelId : converted.metadata.modelId);
    m.dispose();
  }
  // Not a saved model: refused with the loader's error, nothing written.
  const bad = path.join(tmpDir('add-bad'), 'x.sda');
  await writeTorchFile(bad, new PyDict([['hello', 1n]]));
  const before = fs.readdirSync(modelsDir).sort();
  await expect(addModelFile(bad, { modelsDir })).rejects.toThrow(ModelFormatError);
  await expect(loadModel(bad, { device: 'cpu' })).rejects.toThrow(ModelFormatError);
  expect(fs.readdirSync(modelsDir).sort()).toEqual(before);
});

test('47.2 models added with `sda model add` generate, looked up by a part of the name; a copy sounds as its source', () => {
  const lib = path.join(tmpDir('add-gen'), 'models');
  const out = tmpDir('add-gen-out');
  for (const args of [[DEMO], [CHECKPOINT, '--name', 'Rain pads'], [DISTILL, '--name', 'Demolition']]) {
    const r = sda(['model', 'add', ...args, '--models-dir', lib]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }
  const fromFile = generate(DEMO, lib, out, 'file.wav');
  const copy = generate('SYNTHETIC', lib, out, 'copy.wav');
  expect(copy.modelName).toBe('Demo (synthetic tones, chirps and noise)');
  expect(copy.wav.equals(fromFile.wav)).toBe(true);
  expect(generate('rain', lib, out, 'rain.wav').modelName).toBe('Rain pads');
  expect(generate('demol', lib, out, 'distill.wav').modelName).toBe('Demolition');
  // `demo` is the package's demo model: "Demolition" merely contains it.
  const lib2 = path.join(tmpDir('add-demo'), 'models');
  expect(sda(['model', 'add', DISTILL, '--name', 'Demolition', '--models-dir', lib2]).status).toBe(0);
  const demo = generate('demo', lib2, out, 'demo.wav');
  expect(demo.modelName).toBe('Demo (synthetic tones, chirps and noise)');
  expect(demo.wav.equals(fromFile.wav)).toBe(true);
});
