/** Reads the `.npy` reference files of the genuine fixtures (float32, C order, little-endian only). */
import * as fs from 'fs';

export interface Npy {
  shape: number[];
  data: Float32Array;
}

export function readNpy(file: string): Npy {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file} is not a .npy file`);
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '';
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (descr !== '<f4') throw new Error(`${file}: only little-endian float32 arrays are read here (${descr})`);
  const bytes = buf.subarray(start + headerLen);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`${file}: ${data.length} values for shape [${shape}]`);
  return { shape, data: fortran ? toCOrder(data, shape) : data };
}

/** Fortran (column-major) order to C (row-major) order. */
function toCOrder(f: Float32Array, shape: number[]): Float32Array {
  const out = new Float32Array(f.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < out.length; c++) {
    let fi = 0;
    for (let d = shape.length - 1; d >= 0; d--) fi = fi * shape[d]! + idx[d]!;
    out[c] = f[fi]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Largest absolute difference of two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
