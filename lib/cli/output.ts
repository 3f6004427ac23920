/** Output helpers shared by the commands: JSON for scripts, aligned tables for people. */
import { strictJson } from '../generate/export';
import { escapeForTerminal } from './escape';

/** Pretty JSON (non-finite numbers as strings, as in the sidecars) on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${strictJson(value)}\n`);
}

/** Lines on stdout, for people: control characters inside a line (from names, paths) are escaped. */
export function printLines(lines: string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.map(escapeForTerminal).join('\n')}\n`);
}

/** A left-aligned table (the last column is not padded); cells escaped first so the columns line up. */
export function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows].map((r) => r.map(escapeForTerminal));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** 1234567 -> "1.2 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
