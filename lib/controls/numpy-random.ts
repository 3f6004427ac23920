/**
 * The part of numpy's `np.random.default_rng(seed)` the Python app's `randomize_sliders` uses:
 * SeedSequence -> PCG64 (XSL-RR 128/64) -> `Generator.integers(low, high)` (int64, Lemire's bounded
 * method on 32-bit draws for ranges below 2**32), reproduced draw for draw.
 */

const MASK32 = 0xffffffffn;
const MASK64 = (1n << 64n) - 1n;
const MASK128 = (1n << 128n) - 1n;
const PCG_MULT = (2549297995355413924n << 64n) + 4865540595714422341n;

const INIT_A = 0x43b0d7e5n;
const MULT_A = 0x931e8875n;
const INIT_B = 0x8b51f9ddn;
const MULT_B = 0x58f38dedn;
const MIX_MULT_L = 0xca01f9ddn;
const MIX_MULT_R = 0x4973f715n;
const POOL_SIZE = 4;

/** `numpy.random.SeedSequence(entropy).generate_state(nWords)` (uint32 words). */
export function seedSequenceState(entropy: bigint, nWords: number): bigint[] {
  if (entropy < 0n) throw new RangeError('seed must be non-negative');
  // _coerce_to_uint32_array: little-endian 32-bit words of the int (at least one).
  const words: bigint[] = [];
  let e = entropy;
  do {
    words.push(e & MASK32);
    e >>= 32n;
  } while (e > 0n);
  let hashConst = INIT_A;
  const hashmix = (value: bigint): bigint => {
    value = (value ^ hashConst) & MASK32;
    hashConst = (hashConst * MULT_A) & MASK32;
    value = (value * hashConst) & MASK32;
    value ^= value >> 16n;
    return value;
  };
  const mix = (x: bigint, y: bigint): bigint => {
    let r = (MIX_MULT_L * x - MIX_MULT_R * y) & MASK32;
    r ^= r >> 16n;
    return r;
  };
  const pool: bigint[] = [];
  for (let i = 0; i < POOL_SIZE; i++) pool.push(hashmix(i < words.length ? words[i]! : 0n));
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) if (src !== dst) pool[dst] = mix(pool[dst]!, hashmix(pool[src]!));
  }
  for (let src = POOL_SIZE; src < words.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst]!, hashmix(words[src]!));
  }
  let hb = INIT_B;
  const out: bigint[] = [];
  for (let i = 0; i < nWords; i++) {
    let v = pool[i % POOL_SIZE]!;
    v = (v ^ hb) & MASK32;
    hb = (hb * MULT_B) & MASK32;
    v = (v * hb) & MASK32;
    v ^= v >> 16n;
    out.push(v);
  }
  return out;
}

/** numpy's PCG64 bit generator with its 32-bit buffer (`next_uint32` uses both halves of a draw). */
export class Pcg64 {
  private state = 0n;
  private inc = 0n;
  private buffered: bigint | null = null;

  constructor(seed: bigint) {
    const w = seedSequenceState(seed, 8);
    const u64 = (i: number) => w[2 * i]! | (w[2 * i + 1]! << 32n);
    const initState = (u64(0) << 64n) | u64(1);
    const initSeq = (u64(2) << 64n) | u64(3);
    this.inc = ((initSeq << 1n) | 1n) & MASK128;
    this.step();
    this.state = (this.state + initState) & MASK128;
    this.step();
  }

  private step(): void {
    this.state = (this.state * PCG_MULT + this.inc) & MASK128;
  }

  nextUint64(): bigint {
    this.step();
    const s = this.state;
    const x = ((s >> 64n) ^ s) & MASK64;
    const rot = s >> 122n;
    return ((x >> rot) | (x << ((64n - rot) & 63n))) & MASK64;
  }

  nextUint32(): bigint {
    if (this.buffered !== null) {
      const v = this.buffered;
      this.buffered = null;
      return v;
    }
    const v = this.nextUint64();
    this.buffered = v >> 32n;
    return v & MASK32;
  }

  /** `Generator.integers(low, high)` (high exclusive) for one int64 value, for ranges below 2**32. */
  integers(low: number, high: number): number {
    const rng = BigInt(high - 1 - low);
    if (rng < 0n) throw new RangeError('low >= high');
    if (rng === 0n) return low;
    if (rng > MASK32) throw new RangeError('ranges of 2**32 or more are not supported');
    if (rng === MASK32) return low + Number(this.nextUint32());
    const rngExcl = rng + 1n;
    let m = this.nextUint32() * rngExcl;
    let leftover = m & MASK32;
    if (leftover < rngExcl) {
      const threshold = (MASK32 - rng) % rngExcl;
      while (leftover < threshold) {
        m = this.nextUint32() * rngExcl;
        leftover = m & MASK32;
      }
    }
    return low + Number(m >> 32n);
  }
}
