/** Joining chunks of audio (SPEC 8): a Hann crossfade, or end to end. */
import { copyLoop, runSliced, type SliceOptions, type SlicedWork } from '../util/slices';

/** Symmetric Hann window of length n (torch.hann_window(n, periodic=False)), in float32. */
function hann(n: number): Float32Array {
  const w = new Float32Array(n);
  if (n === 1) {
    w[0] = 1;
    return w;
  }
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
  return w;
}

/** Samples per range of the copies (a 256 KB memcpy) and of the crossfade loop. */
const COPY_GRAIN = 65536;
const FADE_GRAIN = 8192;

/**
 * Crossfades consecutive chunks over `overlap` samples with the two halves of a Hann window of
 * 2 * overlap. `pythonCompat`: as the Python app does it, the rising half weights the end of the earlier
 * chunk and the falling half the start of the next (so each join dips and swells); otherwise the earlier
 * chunk fades out and the next fades in. Runs in slices that yield to the event loop.
 */
export function crossfadeAsync(chunks: Float32Array[], overlap: number, pythonCompat: boolean, options: SliceOptions = {}): Promise<Float32Array> {
  return runSliced(crossfadeWork(chunks, overlap, pythonCompat), options);
}

function* crossfadeWork(chunks: Float32Array[], overlap: number, pythonCompat: boolean): SlicedWork<Float32Array> {
  if (chunks.length === 0) return new Float32Array(0);
  let total = chunks[0]!.length;
  const overlaps: number[] = [];
  for (let i = 1; i < chunks.length; i++) {
    const n = Math.min(overlap, total, chunks[i]!.length);
    overlaps.push(n);
    total += chunks[i]!.length - n;
  }
  const out = new Float32Array(total);
  yield copyLoop(chunks[0]!, out);
  let end = chunks[0]!.length;
  for (let i = 1; i < chunks.length; i++) {
    const c = chunks[i]!;
    const n = overlaps[i - 1]!;
    const w = hann(2 * n);
    const start = end - n;
    yield {
      n,
      grain: FADE_GRAIN,
      body: (from, to) => {
        // The previous chunk's gain reads the window's first half for the app, its second half otherwise.
        const prevAt = pythonCompat ? 0 : n;
        const nextAt = pythonCompat ? n : 0;
        for (let k = from; k < to; k++) {
          out[start + k] = Math.fround(Math.fround(out[start + k]! * w[prevAt + k]!) + Math.fround(c[k]! * w[nextAt + k]!));
        }
      },
    };
    yield copyLoop(c.subarray(n), out, end);
    end = start + c.length;
  }
  return out;
}

/** Chunks end to end, copied in slices that yield to the event loop. */
export function concatenateAsync(chunks: Float32Array[], options: SliceOptions = {}): Promise<Float32Array> {
  return runSliced(
    (function* () {
      const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        yield copyLoop(c, out, at);
        at += c.length;
      }
      return out;
    })(),
    options,
  );
}
