/**
 * A take's spectrogram, drawn in the page from the WAV it plays (decoded by the browser): a Hann-windowed
 * FFT of COLUMNS evenly spaced frames, magnitudes in dB over a fixed range, low frequencies at the bottom.
 * Only COLUMNS frames are transformed whatever the length, so a 60 s take costs what a 1 s take does.
 */
const FFT_SIZE = 1024;
const COLUMNS = 300;
const FLOOR_DB = -100;

/** In-place radix-2 FFT of (re, im), length a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang), wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1, ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k, b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci, ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr; im[b] = im[a]! - ti;
        re[a] = re[a]! + tr; im[a] = im[a]! + ti;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}

/** dB magnitudes, COLUMNS x FFT_SIZE/2, of `samples`. */
export function spectrogram(samples: Float32Array): Float32Array[] {
  const window = new Float64Array(FFT_SIZE).map((_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (FFT_SIZE - 1)));
  const cols: Float32Array[] = [];
  const span = Math.max(0, samples.length - FFT_SIZE);
  for (let c = 0; c < COLUMNS; c++) {
    const start = Math.floor((c * span) / (COLUMNS - 1));
    const re = new Float64Array(FFT_SIZE), im = new Float64Array(FFT_SIZE);
    for (let i = 0; i < FFT_SIZE; i++) re[i] = (samples[start + i] ?? 0) * window[i]!;
    fft(re, im);
    const col = new Float32Array(FFT_SIZE / 2);
    for (let k = 0; k < col.length; k++) col[k] = Math.max(FLOOR_DB, 20 * Math.log10(Math.hypot(re[k]!, im[k]!) / (FFT_SIZE / 4) + 1e-12));
    cols.push(col);
  }
  return cols;
}

export function drawSpectrogram(canvas: HTMLCanvasElement, samples: Float32Array): void {
  const cols = spectrogram(samples);
  const bins = FFT_SIZE / 2;
  canvas.width = COLUMNS;
  canvas.height = 128;
  const g = canvas.getContext('2d')!;
  const img = g.createImageData(COLUMNS, canvas.height);
  for (let x = 0; x < COLUMNS; x++) {
    for (let y = 0; y < canvas.height; y++) {
      // Rows average the bins they cover; the top row is the highest frequency.
      const b0 = Math.floor(((canvas.height - 1 - y) * bins) / canvas.height);
      const b1 = Math.max(b0 + 1, Math.floor(((canvas.height - y) * bins) / canvas.height));
      let sum = 0;
      for (let b = b0; b < b1; b++) sum += cols[x]![b]!;
      const v = Math.min(1, Math.max(0, (sum / (b1 - b0) - FLOOR_DB) / -FLOOR_DB));
      const o = (y * COLUMNS + x) * 4;
      // Dark blue to yellow: readable in both colour schemes.
      img.data[o] = Math.round(255 * Math.min(1, v * 1.6));
      img.data[o + 1] = Math.round(255 * v * v);
      img.data[o + 2] = Math.round(120 * (1 - v) + 30);
      img.data[o + 3] = 255;
    }
  }
  g.putImageData(img, 0, 0);
}
