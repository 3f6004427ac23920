// loadModel + ConvVAE on CPU against the outputs the Python app computed from the same genuine files.
import * as fs from 'fs';
import * as path from 'path';
import { loadModel, type LoadedModel } from '../lib';
import { GENUINE } from './helpers/paths';
import { maxAbsDiff, readNpy } from './helpers/npy';

const MODELS = ['trained', 'sample_only', 'checkpoint'].map((dir) => {
  const modelsDir = path.join(GENUINE, dir, 'models');
  const file = fs.readdirSync(modelsDir).find((f) => f.endsWith('.sda'))!;
  return { dir, file: path.join(modelsDir, file), refs: path.join(GENUINE, dir, 'refs') };
});

describe.each(MODELS)('genuine model $dir', ({ file, refs }) => {
  let loaded: LoadedModel;
  const refsJson = () => JSON.parse(fs.readFileSync(path.join(refs, 'refs.json'), 'utf8'));
  beforeAll(async () => {
    loaded = await loadModel(file, { device: 'cpu' });
  });
  afterAll(() => loaded?.dispose());

  test('30.1 loads with the metadata, config and latent size the Python app saved', () => {
    const r = refsJson();
    expect(loaded.format).toBe('sda_model');
    expect(loaded.device).toBe('cpu');
    expect(loaded.latentDim).toBe(r.latent_dim);
    expect(loaded.model.latentDim).toBe(r.latent_dim);
    expect(loaded.spectrogram).toEqual({
      sampleRate: r.spectrogram_config.sample_rate,
      nFft: r.spectrogram_config.n_fft,
      hopLength: r.spectrogram_config.hop_length,
      nMels: r.spectrogram_config.n_mels,
      fMin: r.spectrogram_config.f_min,
      fMax: r.spectrogram_config.f_max,
      power: r.spectrogram_config.power,
    });
    expect(loaded.model.melShape).toEqual(r.target_shape);
    expect(loaded.model.hasEncoder).toBe(r.has_encoder_linear);
    const m = r.metadata;
    expect(loaded.metadata).toEqual({
      modelId: m.model_id,
      name: m.name,
      description: m.description,
      datasetName: m.dataset_name,
      datasetFileCount: m.dataset_file_count,
      datasetTotalDurationS: m.dataset_total_duration_s,
      trainingDate: m.training_date,
      saveDate: m.save_date,
      trainingEpochs: m.training_epochs,
      finalTrainLoss: m.final_train_loss,
      finalValLoss: m.final_val_loss,
      tags: m.tags,
      hasAnalysis: m.has_analysis,
      nActiveComponents: m.n_active_components,
    });
    expect(loaded.analysis === null).toBe(!r.has_analysis);
    if (loaded.analysis) expect(loaded.analysis.nActiveComponents).toBe(r.n_active_components);
  });

  test('30.2 decode(z) matches the Python decoder within 1e-5', async () => {
    const z = readNpy(path.join(refs, 'z.npy'));
    const want = readNpy(path.join(refs, 'decoded_mel.npy'));
    const got = await loaded.model.decode(z.data);
    expect(got.shape).toEqual(want.shape);
    expect(maxAbsDiff(got.data, want.data)).toBeLessThanOrEqual(1e-5);
    // The same latents given as an array of vectors decode the same.
    const rows = Array.from({ length: z.shape[0]! }, (_, i) => Array.from(z.data.subarray(i * z.shape[1]!, (i + 1) * z.shape[1]!)));
    const again = await loaded.model.decode(rows);
    expect(maxAbsDiff(again.data, got.data)).toBe(0);
  });

  test('30.3 encode(mel) matches the Python encoder within 1e-4, and decode(mu) its reconstruction', async () => {
    if (!refsJson().has_encoder_linear) {
      // A model that was only ever sampled has no encoder: a typed error says so.
      await expect(loaded.model.encode({ shape: [1, 1, ...loaded.model.melShape], data: new Float32Array(loaded.model.melShape[0] * loaded.model.melShape[1]) })).rejects.toThrow(
        /no encoder weights \(it was only ever sampled/,
      );
      return;
    }
    const mel = readNpy(path.join(refs, 'input_mel.npy'));
    const { mu, logvar } = await loaded.model.encode({ shape: mel.shape as [number, number, number, number], data: mel.data });
    const wantMu = readNpy(path.join(refs, 'encoder_mu.npy'));
    const wantLogvar = readNpy(path.join(refs, 'encoder_logvar.npy'));
    expect(mu.shape).toEqual(wantMu.shape);
    expect(maxAbsDiff(mu.data, wantMu.data)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(logvar.data, wantLogvar.data)).toBeLessThanOrEqual(1e-4);
    const recon = await loaded.model.decode(mu.data, { targetShape: [mel.shape[2]!, mel.shape[3]!] });
    expect(maxAbsDiff(recon.data, readNpy(path.join(refs, 'recon_from_mu_mel.npy')).data)).toBeLessThanOrEqual(1e-5);
  });
});
