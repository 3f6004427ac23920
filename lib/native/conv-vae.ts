/**
 * A ConvVAE running in LibTorch (native/convvae.cc) on one device. Inputs are validated here with
 * precise messages; the heavy work runs off the JS thread, and calls on one model are serialised natively.
 */
import { types } from 'util';
import { InvalidArgumentError } from '../errors';
import type { NativeConvVae, RawTensor } from './addon-types';
import { callNativeAsync } from './call';
import type { ConvVaeFormat, ConvVaeShape } from './config-types';
import { NATIVE_LIMITS } from './limits';
import { NativeHandle } from './handle';
import { native } from './loader';

/** A batch of mel spectrograms, `[B, 1, nMels, T]`, row-major. */
export interface MelBatch {
  shape: [number, number, number, number];
  data: Float32Array;
}

/** A batch of latent vectors, `[B, latentDim]`, row-major. */
export interface LatentBatch {
  shape: [number, number];
  data: Float32Array;
}

/** Latent input: a Float32Array of B x latentDim values, or B vectors of latentDim numbers. */
export type LatentInput = Float32Array | ArrayLike<number>[];

const MAX_BATCH = NATIVE_LIMITS.batch.max;

export class ConvVae extends NativeHandle<NativeConvVae> {
  readonly latentDim: number;
  /** Mel bins and frames of one chunk (the default decode size). */
  readonly melShape: readonly [number, number];
  /** The device id the weights live on. */
  readonly device: string;
  readonly format: ConvVaeFormat;

  /** @internal Made by createConvVae() (loadModel()). */
  constructor(handle: NativeConvVae, shape: ConvVaeShape, device: string, format: ConvVaeFormat) {
    super(handle, 'model');
    this.latentDim = shape.latentDim;
    this.melShape = [shape.nMels, shape.frames];
    this.device = device;
    this.format = format;
  }

  /** False for a model that was only ever sampled (no encoder weights in the file). */
  get hasEncoder(): boolean {
    return this.live('hasEncoder').hasEncoder;
  }

  /**
   * Decodes B latent vectors to mel spectrograms `[B, 1, H, W]`, cropped to `targetShape`
   * (default: one second, `melShape`) as the Python app's `decode(z, target_shape)` does. By default the
   * batch is one forward pass, as the app runs it: the last bits of a latent's mel then depend on the
   * other latents in the batch and on the thread count. With `each: true` every latent is decoded on its
   * own, on one thread, the latents spread over the threads (on a GPU, one after the other): a latent
   * gives the same mel whatever it is decoded with, and a batch is decoded faster on a multi-core CPU.
   */
  async decode(z: LatentInput, options: { targetShape?: readonly [number, number]; each?: boolean } = {}): Promise<MelBatch> {
    const handle = this.live('decode');
    const flat = this.latents(z);
    const [outH, outW] = options.targetShape ?? this.melShape;
    for (const [name, v] of [['height', outH], ['width', outW]] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new InvalidArgumentError(`decode: targetShape ${name} must be a positive integer; got ${v}`);
      }
    }
    const batch = flat.length / this.latentDim;
    const each = options.each ?? false;
    if (typeof each !== 'boolean') throw new InvalidArgumentError(`decode: each must be a boolean; got ${typeof each}`);
    const r = await callNativeAsync(() => handle.decode(flat, batch, outH, outW, each));
    return { shape: r.shape as MelBatch['shape'], data: r.data };
  }

  /** Encodes mel spectrograms `[B, 1, H, W]` (log1p-mel) to `{ mu, logvar }`, each `[B, latentDim]`. */
  async encode(mel: MelBatch): Promise<{ mu: LatentBatch; logvar: LatentBatch }> {
    const handle = this.live('encode');
    if (!handle.hasEncoder) {
      throw new InvalidArgumentError('encode: this model has no encoder weights (it was only ever sampled, never trained)');
    }
    const shape = mel?.shape;
    if (!Array.isArray(shape) || shape.length !== 4 || shape.some((n) => !Number.isInteger(n) || n < 1) || shape[1] !== 1) {
      throw new InvalidArgumentError(`encode: mel.shape must be [B, 1, H, W] with positive integers; got ${JSON.stringify(shape)}`);
    }
    const [b, , h, w] = shape;
    const [nMels, frames] = this.melShape;
    if (Math.ceil(h / 16) !== Math.ceil(nMels / 16) || Math.ceil(w / 16) !== Math.ceil(frames / 16)) {
      throw new InvalidArgumentError(
        `encode: mel must be [B, 1, ${nMels}, ${frames}] for this model (H, W that pad to ` +
          `${16 * Math.ceil(nMels / 16)} x ${16 * Math.ceil(frames / 16)}); got [${shape.join(', ')}]`,
      );
    }
    if (b > MAX_BATCH) throw new InvalidArgumentError(`encode: batch of ${b} is over the limit of ${MAX_BATCH}`);
    if (!types.isFloat32Array(mel.data)) throw new InvalidArgumentError('encode: mel.data must be a Float32Array');
    if (mel.data.length !== b * h * w) {
      throw new InvalidArgumentError(`encode: mel.data must hold ${b * h * w} values for shape [${shape.join(', ')}]; has ${mel.data.length}`);
    }
    checkFinite(mel.data, 'encode: mel.data');
    const r = await callNativeAsync(() => handle.encode(mel.data, b, h, w));
    return {
      mu: { shape: [b, this.latentDim], data: r.mu },
      logvar: { shape: [b, this.latentDim], data: r.logvar },
    };
  }

  private latents(z: LatentInput): Float32Array {
    const d = this.latentDim;
    let flat: Float32Array;
    if (types.isFloat32Array(z)) {
      if (z.length === 0 || z.length % d !== 0) {
        throw new InvalidArgumentError(`decode: z must hold B x ${d} values (latent size ${d}); got ${z.length}`);
      }
      flat = z;
    } else if (Array.isArray(z)) {
      if (z.length === 0) throw new InvalidArgumentError('decode: z is an empty list; give at least one latent vector');
      flat = new Float32Array(z.length * d);
      z.forEach((row, i) => {
        if (!row || typeof row.length !== 'number' || row.length !== d) {
          throw new InvalidArgumentError(`decode: z[${i}] must have ${d} values (latent size ${d}); got ${row?.length}`);
        }
        for (let j = 0; j < d; j++) {
          const x = row[j];
          if (typeof x !== 'number') throw new InvalidArgumentError(`decode: z[${i}][${j}] is not a number`);
          flat[i * d + j] = x;
        }
      });
    } else {
      throw new InvalidArgumentError('decode: z must be a Float32Array or an array of latent vectors');
    }
    if (flat.length / d > MAX_BATCH) throw new InvalidArgumentError(`decode: batch of ${flat.length / d} is over the limit of ${MAX_BATCH}`);
    checkFinite(flat, 'decode: z', d);
    return flat;
  }
}

function checkFinite(a: Float32Array, what: string, rowLength?: number): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) {
      const where = rowLength ? `[${Math.floor(i / rowLength)}][${i % rowLength}]` : `[${i}]`;
      throw new InvalidArgumentError(`${what}${where} is ${a[i]}; every value must be finite`);
    }
  }
}

/**
 * Hands a checked state dict to LibTorch and wraps the network (`device`: a resolved id). The tensors are
 * read in place and copied once onto the device.
 */
export async function createConvVae(shape: ConvVaeShape, format: ConvVaeFormat, device: string, tensors: RawTensor[]): Promise<ConvVae> {
  const binding = native();
  const config = { distill: format === 'distill_model', latentDim: shape.latentDim, nMels: shape.nMels, frames: shape.frames, device };
  const handle = await callNativeAsync(() => binding.createConvVae(config, tensors));
  return new ConvVae(handle, shape, device, format);
}
