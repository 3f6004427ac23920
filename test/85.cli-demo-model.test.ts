// The demo model shipped in the package: a genuine torch.save file (read back by real torch), small,
// with a latent analysis; its outputs differ from seed to seed.
import * as fs from 'fs';
import * as path from 'path';
import { DEMO, checkOutputs, sda, tmpDir } from './helpers/cli';
import { ROOT } from './helpers/paths';
import { runPython } from './helpers/python';

test('85.1 torch.load reads the demo model as the Python app does: SPEC 1 dict, ConvVAE keys, analysis, metadata', () => {
  const j = JSON.parse(runPython(path.join(ROOT, 'test/python/cli_check_demo.py'), [DEMO]));
  expect(j.keys).toEqual(['format', 'version', 'model_state_dict', 'latent_dim', 'spectrogram_config', 'latent_analysis', 'training_config', 'metadata']);
  expect(j).toMatchObject({ format: 'sda_model', version: 1, latent_dim: 16, state_dict_type: 'OrderedDict', n_steps: 21 });
  expect(j.state_dict_keys).toHaveLength(57);
  expect(j.state_dict_keys).toEqual(expect.arrayContaining(['encoder.convs.0.weight', 'encoder.convs.13.num_batches_tracked', 'encoder.fc_mu.weight', 'decoder.fc.weight', 'decoder.deconvs.12.bias']));
  expect(j.spectrogram_config).toEqual({ sample_rate: 48000, n_fft: 2048, hop_length: 512, n_mels: 128, f_min: 0, f_max: null, power: 2 });
  expect(j.analysis_keys).toEqual(['component_labels', 'explained_variance_ratio', 'feature_correlations', 'latent_dim', 'n_active_components', 'n_steps', 'pca_components', 'pca_mean', 'safe_max', 'safe_min', 'step_size', 'suggested_labels', 'version', 'warning_max', 'warning_min']);
  expect(j.analysis_dtypes).toEqual(['float32']);
  expect(j.n_active_components).toBeGreaterThanOrEqual(3);
  expect(j.pca_components_shape).toEqual([j.n_active_components, 16]);
  expect(j.metadata).toMatchObject({ has_analysis: true, n_active_components: j.n_active_components, tags: ['demo', 'synthetic'] });
  expect(j.metadata.model_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(j.size_bytes).toBeLessThan(6 * 1024 * 1024);
  expect(j.size_bytes).toBe(fs.statSync(DEMO).size);
  // Decoded random latents are not all the same sound: their spectral centroids spread out.
  expect(j.mel_max).toBeGreaterThan(0.2);
  const c = j.mel_centroid_bins as number[];
  expect(Math.max(...c) - Math.min(...c)).toBeGreaterThan(5);
});

test('85.2 inspect and model info read the demo model; generated clips differ from seed to seed', () => {
  const ins = JSON.parse(sda(['inspect', DEMO, '--json']).stdout);
  expect(ins).toMatchObject({ kind: 'sda_model', container: 'zip', protocol: 2 });
  expect(Object.keys(ins.globals)).toEqual(expect.arrayContaining(['numpy._core.multiarray._reconstruct', 'torch._utils._rebuild_tensor_v2', 'collections.OrderedDict']));
  const info = JSON.parse(sda(['model', 'info', DEMO, '--json']).stdout);
  expect(info.sliders.length).toBeGreaterThanOrEqual(3);
  const out = tmpDir('demo');
  const r = sda(['generate', '-d', '1', '-s', '0', '-n', '4', '-o', out]);
  expect(r.status).toBe(0);
  const checks = checkOutputs(r.stdout.trim().split('\n'));
  expect(checks).toHaveLength(4);
  for (const w of checks) expect(w.rms).toBeGreaterThan(0.02);
  const hz = checks.map((w) => w.dominant_hz);
  expect(new Set(hz.map((h) => Math.round(h / 20))).size).toBeGreaterThan(1);
});
