/**
 * The ConvVAE's state-dict layout (SPEC 3), derived from the spectrogram config and latent size, and the
 * check of a file's state dict against it. Every tensor is checked so a wrong file fails here with the
 * key, the expected and the actual shape, not deep inside LibTorch.
 */
import { ModelFormatError } from '../errors';
import { PyDict, asTensor, type TorchTensor } from '../torchfile';
import type { SpectrogramConfig } from '../native/config-types';
import { checkSpectrogramGeometry, framesPerSecond } from './spectrogram-config';

export interface ConvVaeGeometry {
  latentDim: number;
  /** Mel bins (H) and frames (T = one second, W) of one chunk. */
  nMels: number;
  frames: number;
  /** The latent grid: padded (H, W) / 16. */
  h: number;
  w: number;
}

/** The layout for a config; refuses (ModelFormatError) a config out of the bounds of docs/limits.md. */
export function convVaeGeometry(latentDim: number, spec: SpectrogramConfig, file?: string): ConvVaeGeometry {
  const frames = framesPerSecond(spec);
  checkSpectrogramGeometry({ ...spec, frames }, file);
  return { latentDim, nMels: spec.nMels, frames, h: Math.ceil(spec.nMels / 16), w: Math.ceil(frames / 16) };
}

const ENCODER_CHANNELS = [1, 32, 64, 128, 256];
const DECODER_CHANNELS = [256, 128, 64, 32, 1];

function batchNorm(prefix: string, c: number, into: Map<string, number[]>): void {
  for (const p of ['weight', 'bias', 'running_mean', 'running_var']) into.set(`${prefix}.${p}`, [c]);
  into.set(`${prefix}.num_batches_tracked`, []);
}

/** Every state-dict key with its shape. `encoder`: include `encoder.fc_mu` / `encoder.fc_logvar`. */
export function expectedStateDictShapes(g: ConvVaeGeometry, encoder: boolean): Map<string, number[]> {
  const flat = 256 * g.h * g.w;
  const out = new Map<string, number[]>();
  for (let i = 0; i < 4; i++) {
    const [cin, cout] = [ENCODER_CHANNELS[i]!, ENCODER_CHANNELS[i + 1]!];
    out.set(`encoder.convs.${4 * i}.weight`, [cout, cin, 3, 3]);
    out.set(`encoder.convs.${4 * i}.bias`, [cout]);
    batchNorm(`encoder.convs.${4 * i + 1}`, cout, out);
  }
  if (encoder) {
    for (const head of ['fc_mu', 'fc_logvar']) {
      out.set(`encoder.${head}.weight`, [g.latentDim, flat]);
      out.set(`encoder.${head}.bias`, [g.latentDim]);
    }
  }
  out.set('decoder.fc.weight', [flat, g.latentDim]);
  out.set('decoder.fc.bias', [flat]);
  for (let i = 0; i < 4; i++) {
    const [cin, cout] = [DECODER_CHANNELS[i]!, DECODER_CHANNELS[i + 1]!];
    // ConvTranspose2d weights are [in, out, k, k].
    out.set(`decoder.deconvs.${4 * i}.weight`, [cin, cout, 3, 3]);
    out.set(`decoder.deconvs.${4 * i}.bias`, [cout]);
    if (i < 3) batchNorm(`decoder.deconvs.${4 * i + 1}`, cout, out);
  }
  return out;
}

const FLOAT_DTYPES = new Set(['float32', 'float64', 'float16', 'bfloat16']);

function shapeText(s: number[]): string {
  return `[${s.join(', ')}]`;
}

/**
 * Checks `stateDict` against the layout for `g`, as PyTorch's strict `load_state_dict` would (no missing,
 * no unexpected keys, same shapes). The encoder heads may be absent together (a model only ever sampled).
 * Returns the tensors by key and whether the encoder heads are there.
 */
export function checkStateDict(
  stateDict: PyDict,
  g: ConvVaeGeometry,
  file?: string,
): { tensors: Map<string, TorchTensor>; hasEncoder: boolean } {
  const heads = ['encoder.fc_mu.weight', 'encoder.fc_mu.bias', 'encoder.fc_logvar.weight', 'encoder.fc_logvar.bias'];
  const hasEncoder = heads.some((k) => stateDict.has(k));
  const expected = expectedStateDictShapes(g, hasEncoder);
  const tensors = new Map<string, TorchTensor>();
  for (const [key, shape] of expected) {
    const v = stateDict.get(key);
    if (v === undefined) {
      throw new ModelFormatError(`model_state_dict has no ${key} (expected a tensor of shape ${shapeText(shape)})`, { file, key });
    }
    const t = asTensor(v);
    if (!t) throw new ModelFormatError(`model_state_dict.${key} is not a tensor`, { file, key });
    const actual = t.shape;
    if (actual.length !== shape.length || actual.some((n, i) => n !== shape[i])) {
      const hint = key.startsWith('decoder.fc') || key.startsWith('encoder.fc')
        ? ` (latent_dim ${g.latentDim}, ${g.nMels} mel bins x ${g.frames} frames from spectrogram_config)`
        : '';
      throw new ModelFormatError(
        `model_state_dict.${key} has shape ${shapeText(actual)}, expected ${shapeText(shape)}${hint}`,
        { file, key },
      );
    }
    const wantInt = key.endsWith('num_batches_tracked');
    if (wantInt ? t.dtype !== 'int64' : !FLOAT_DTYPES.has(t.dtype)) {
      throw new ModelFormatError(`model_state_dict.${key} has dtype ${t.dtype}, expected ${wantInt ? 'int64' : 'a float dtype'}`, { file, key });
    }
    tensors.set(key, t);
  }
  for (const key of stateDict.keys()) {
    const k = String(key);
    if (!expected.has(k)) {
      const why = heads.includes(k) ? 'the encoder heads must all be present or all absent' : 'not part of the ConvVAE';
      throw new ModelFormatError(`model_state_dict has an unexpected key ${k} (${why})`, { file, key: k });
    }
  }
  return { tensors, hasEncoder };
}
