/**
 * JSON exactly as Python's `json.dump(obj, f, indent=2)` writes it (the catalog layout of the Python app),
 * and a parser that keeps what Python keeps: ints and floats apart (`36` vs `36.0`) and object key order.
 *
 * Python specifics reproduced: `ensure_ascii=True` (every character outside space..`~` is written as
 * `\uXXXX`, lower-case hex, surrogate pairs for astral characters, short forms `\n \r \t \b \f \" \\`),
 * separators `,` / `: ` with indent, `[]` / `{}` for empty containers, floats as `repr(float)` (`36.0`,
 * `1e-05`, `1e+16`, `Infinity`, `NaN`), no trailing newline.
 */

/** A Python int in a JSON document (kept apart from floats). */
export class JsonInt {
  constructor(readonly value: bigint) {}
  toNumber(): number {
    return Number(this.value);
  }
}

/** A JSON value with Python's types: `number` is a Python float, {@link JsonInt} a Python int. */
export type PyJson = null | boolean | string | number | JsonInt | PyJson[] | Map<string, PyJson>;

/** `repr(x)` of a Python float. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip, as repr does.
  const [mant, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expText);
  const decpt = exp + 1; // value = 0.<digits> * 10^decpt
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp);
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** A JSON string literal as Python writes it with `ensure_ascii=True`. */
export function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short) out += short;
    else if (c >= 0x20 && c <= 0x7e) out += ch;
    else out += `\\u${c.toString(16).padStart(4, '0')}`; // UTF-16 units: astral characters become surrogate pairs
  }
  return out + '"';
}

/** `json.dumps(value, indent=indent)`. */
export function pyJsonDumps(value: PyJson, indent = 2): string {
  const pad = (level: number) => ' '.repeat(indent * level);
  const enc = (v: PyJson, level: number): string => {
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'string') return pyJsonString(v);
    if (typeof v === 'number') return pyFloatRepr(v);
    if (v instanceof JsonInt) return v.value.toString();
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((x) => pad(level + 1) + enc(x, level + 1)).join(',\n')}\n${pad(level)}]`;
    }
    if (v.size === 0) return '{}';
    const items: string[] = [];
    for (const [k, x] of v) items.push(`${pad(level + 1)}${pyJsonString(k)}: ${enc(x, level + 1)}`);
    return `{\n${items.join(',\n')}\n${pad(level)}}`;
  };
  return enc(value, 0);
}

/** A syntax error of {@link pyJsonParse}, with the offset. */
export class PyJsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

/**
 * `json.loads(text)`: objects become Maps (key order kept; a repeated key keeps its first position and the
 * last value, as a Python dict does), ints {@link JsonInt}, floats numbers; `NaN`, `Infinity`, `-Infinity`
 * are accepted as Python does.
 */
export function pyJsonParse(text: string): PyJson {
  let i = 0;
  const n = text.length;
  const fail = (msg: string): never => {
    throw new PyJsonSyntaxError(msg, i);
  };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const lit = (word: string, v: PyJson): PyJson => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return v;
    }
    return fail('invalid literal');
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('invalid control character in string');
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
        } else if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else {
          fail('invalid escape');
        }
        start = i;
      } else {
        i++;
      }
    }
  };
  const num = (): PyJson => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m) {
      if (text.startsWith('-Infinity', i)) {
        i += 9;
        return -Infinity;
      }
      return fail('invalid number');
    }
    i += m[0].length;
    if (m[2] === undefined && m[3] === undefined) return new JsonInt(BigInt(m[0]));
    return Number(m[0]);
  };
  const value = (depth: number): PyJson => {
    if (depth > 1000) fail('nested too deeply');
    ws();
    const c = text[i];
    switch (c) {
      case '{': {
        i++;
        const map = new Map<string, PyJson>();
        ws();
        if (text[i] === '}') {
          i++;
          return map;
        }
        for (;;) {
          ws();
          if (text[i] !== '"') fail('expected a property name');
          const k = str();
          ws();
          if (text[i] !== ':') fail("expected ':'");
          i++;
          map.set(k, value(depth + 1));
          ws();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === '}') {
            i++;
            return map;
          }
          fail("expected ',' or '}'");
        }
      }
      // eslint-disable-next-line no-fallthrough
      case '[': {
        i++;
        const arr: PyJson[] = [];
        ws();
        if (text[i] === ']') {
          i++;
          return arr;
        }
        for (;;) {
          arr.push(value(depth + 1));
          ws();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === ']') {
            i++;
            return arr;
          }
          fail("expected ',' or ']'");
        }
      }
      // eslint-disable-next-line no-fallthrough
      case '"':
        return str();
      case 't':
        return lit('true', true);
      case 'f':
        return lit('false', false);
      case 'n':
        return lit('null', null);
      case 'N':
        return lit('NaN', NaN);
      case 'I':
        return lit('Infinity', Infinity);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return num();
        return fail(c === undefined ? 'unexpected end of data' : 'unexpected character');
    }
  };
  const v = value(0);
  ws();
  if (i < n) fail('extra data');
  return v;
}
