/**
 * Writes native/native_limits.h from lib/native/limits.ts (`npm run gen:limits`); with `--check`, exits 1 when the
 * committed header differs. The header is committed so that every build (node-gyp, cmake-js, the
 * sanitizer build) compiles without running TypeScript first.
 */
import * as fs from 'fs';
import * as path from 'path';
import { NATIVE_LIMITS } from '../lib/native/limits';

export const HEADER_PATH = path.join(__dirname, '..', 'native', 'native_limits.h');

function constName(key: string, end: 'Min' | 'Max'): string {
  return `k${key[0]!.toUpperCase()}${key.slice(1)}${end}`;
}

export function renderLimitsHeader(): string {
  const lines = [
    '// Generated from lib/native/limits.ts by `npm run gen:limits`; do not edit (test/11 checks it is current).',
    '#pragma once',
    '',
    '#include <cstdint>',
    '',
    'namespace sda::limits {',
    '',
  ];
  for (const [key, r] of Object.entries(NATIVE_LIMITS)) {
    lines.push(`// ${r.doc}`);
    lines.push(`constexpr int64_t ${constName(key, 'Min')} = ${r.min};`);
    lines.push(`constexpr int64_t ${constName(key, 'Max')} = ${r.max};`);
  }
  lines.push('', '}  // namespace sda::limits', '');
  return lines.join('\n');
}

if (require.main === module) {
  const want = renderLimitsHeader();
  if (process.argv.includes('--check')) {
    const have = fs.existsSync(HEADER_PATH) ? fs.readFileSync(HEADER_PATH, 'utf8') : '';
    if (have !== want) {
      console.error('native/native_limits.h is not current: run `npm run gen:limits`');
      process.exit(1);
    }
  } else {
    fs.writeFileSync(HEADER_PATH, want);
    console.log(`wrote ${HEADER_PATH}`);
  }
}
