/**
 * The last check before audio is written, in every format and from every way in (export, the UI's takes):
 * no NaN or infinite sample reaches a file. Time-sliced, as the encoders are.
 */
import { NonFiniteAudioError } from '../errors';
import { runSliced, type SliceOptions } from '../util/slices';

const GRAIN = 1 << 16;

/** Resolves when every sample of `channels` is finite; else rejects with NonFiniteAudioError naming the first. */
export async function checkFiniteAudio(channels: readonly Float32Array[], options: SliceOptions = {}): Promise<void> {
  for (let c = 0; c < channels.length; c++) {
    const ch = channels[c]!;
    const first = await runSliced(
      (function* () {
        let found = -1;
        yield {
          n: ch.length,
          grain: GRAIN,
          body: (start: number, end: number) => {
            for (let i = start; found < 0 && i < end; i++) {
              const x = ch[i]!;
              // x - x is 0 for every finite x, NaN for NaN and the infinities.
              if (x - x !== 0) found = i;
            }
          },
        };
        return found;
      })(),
      options,
    );
    if (first >= 0) throw new NonFiniteAudioError(c, first, ch[first]!);
  }
}
