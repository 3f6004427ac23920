/**
 * Numpy values: PyObjects (written back exactly as they were pickled) with typed views. See numpy.ts for
 * their construction helpers.
 */
import { TorchFileError } from './errors';
import { PyObject, PyTuple } from './py-objects';
import { halfToFloat } from './tensor';

/** Numpy byte orders as in `dtype.byteorder`. */
export type NumpyByteOrder = '<' | '>' | '|' | '=';

/** `numpy.dtype(descr, False, True)` with its BUILD state (byte order, item size). */
export class NumpyDtype extends PyObject {
  /** The type string without byte order, e.g. `f4`, `i8`, `b1`. */
  get descr(): string {
    const a = this.argItems[0];
    return typeof a === 'string' ? a : '';
  }
  /** Byte order from the BUILD state (`<` little, `>` big, `|` not applicable). */
  get byteOrder(): NumpyByteOrder {
    const s = this.state;
    if (s instanceof PyTuple && typeof s.items[1] === 'string' && '<>|='.includes(s.items[1] as string)) {
      return s.items[1] as NumpyByteOrder;
    }
    return '=';
  }
  /** Bytes per item, from the descr (`f4` -> 4); 0 when unknown. */
  get itemSize(): number {
    const m = /^[a-zA-Z?](\d+)$/.exec(this.descr);
    if (m) return Number(m[1]);
    if (this.descr === '?' || this.descr === 'b1') return 1;
    return 0;
  }
  /** The kind letter: `f` float, `i` int, `u` unsigned, `b` bool, `c` complex, ... */
  get typeKind(): string {
    return this.descr.charAt(0);
  }
  /** `'<f4'`-style string. */
  get str(): string {
    return (this.byteOrder === '=' ? '<' : this.byteOrder) + this.descr;
  }
}

/** A numpy ndarray (`_reconstruct(ndarray, (0,), b'b')` + BUILD `(1, shape, dtype, fortran, bytes)`). */
export class NumpyArray extends PyObject {
  private parsedState(): { shape: number[]; dtype: NumpyDtype; fortranOrder: boolean; data: Uint8Array } | undefined {
    const s = this.state;
    if (!(s instanceof PyTuple) || s.items.length !== 5) return undefined;
    const [, shape, dtype, fortran, data] = s.items;
    if (!(shape instanceof PyTuple) || !(dtype instanceof NumpyDtype) || typeof fortran !== 'boolean' || !(data instanceof Uint8Array)) {
      return undefined;
    }
    return { shape: shape.items.map((x) => Number(x)), dtype, fortranOrder: fortran, data };
  }
  /** True when the state is the plain-data form (false e.g. for object arrays, whose state holds a list). */
  get isPlainData(): boolean {
    return this.parsedState() !== undefined;
  }
  get shape(): number[] {
    return this.parsedState()?.shape ?? [];
  }
  get dtype(): NumpyDtype | undefined {
    return this.parsedState()?.dtype;
  }
  get fortranOrder(): boolean {
    return this.parsedState()?.fortranOrder ?? false;
  }
  /** The raw element bytes (in the array's own order: C or Fortran) or undefined for non-plain arrays. */
  get data(): Uint8Array | undefined {
    return this.parsedState()?.data;
  }
  /** Elements (in storage order) as numbers, for float/int/uint/bool dtypes of either byte order. */
  toNumbers(): number[] {
    const p = this.parsedState();
    if (!p) throw new TorchFileError('numpy array has no plain data');
    return decodeNumpyElements(p.dtype, p.data).map((x) => (typeof x === 'bigint' ? Number(x) : typeof x === 'boolean' ? Number(x) : x));
  }
  /** Elements as float32, in C (row-major) order. */
  toFloat32Array(): Float32Array {
    const p = this.parsedState();
    if (!p) throw new TorchFileError('numpy array has no plain data');
    const flat = this.toNumbers();
    if (!p.fortranOrder || p.shape.length < 2) return Float32Array.from(flat);
    // Fortran order: transpose into C order.
    const out = new Float32Array(flat.length);
    const shape = p.shape;
    const idx = new Array<number>(shape.length).fill(0);
    for (let c = 0; c < flat.length; c++) {
      let f = 0;
      let mul = 1;
      for (let d = 0; d < shape.length; d++) {
        f += idx[d] * mul;
        mul *= shape[d];
      }
      out[c] = flat[f];
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  }
}

/** A numpy scalar (`multiarray.scalar(dtype, bytes)`), e.g. `np.float32(0.5)`. */
export class NumpyScalar extends PyObject {
  get dtype(): NumpyDtype | undefined {
    const d = this.argItems[0];
    return d instanceof NumpyDtype ? d : undefined;
  }
  get data(): Uint8Array | undefined {
    const b = this.argItems[1];
    return b instanceof Uint8Array ? b : undefined;
  }
  /** The value: number for floats and small ints, bigint for 64-bit ints, boolean for bool. */
  get value(): number | bigint | boolean | undefined {
    const d = this.dtype;
    const b = this.data;
    if (!d || !b) return undefined;
    const v = decodeNumpyElements(d, b);
    return v.length === 1 ? v[0] : undefined;
  }
}

/** Decodes numpy elements of simple dtypes (f2/f4/f8, i1-i8, u1-u8, b1/?). */
export function decodeNumpyElements(dtype: NumpyDtype, data: Uint8Array): Array<number | bigint | boolean> {
  const size = dtype.itemSize;
  const kind = dtype.typeKind === '?' ? 'b' : dtype.typeKind;
  if (size <= 0 || data.byteLength % size !== 0) throw new TorchFileError(`cannot decode numpy dtype ${dtype.descr}`);
  const little = dtype.byteOrder !== '>';
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = data.byteLength / size;
  const out = new Array<number | bigint | boolean>(n);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    if (kind === 'f' && size === 4) out[i] = view.getFloat32(o, little);
    else if (kind === 'f' && size === 8) out[i] = view.getFloat64(o, little);
    else if (kind === 'f' && size === 2) out[i] = halfToFloat(view.getUint16(o, little));
    else if (kind === 'i' && size === 1) out[i] = view.getInt8(o);
    else if (kind === 'i' && size === 2) out[i] = view.getInt16(o, little);
    else if (kind === 'i' && size === 4) out[i] = view.getInt32(o, little);
    else if (kind === 'i' && size === 8) out[i] = view.getBigInt64(o, little);
    else if (kind === 'u' && size === 1) out[i] = view.getUint8(o);
    else if (kind === 'u' && size === 2) out[i] = view.getUint16(o, little);
    else if (kind === 'u' && size === 4) out[i] = view.getUint32(o, little);
    else if (kind === 'u' && size === 8) out[i] = view.getBigUint64(o, little);
    else if (kind === 'b' && size === 1) out[i] = view.getUint8(o) !== 0;
    else throw new TorchFileError(`cannot decode numpy dtype ${dtype.descr}`);
  }
  return out;
}
