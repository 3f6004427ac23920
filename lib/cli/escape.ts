/**
 * Text from files (model names, descriptions, file names) printed for people: terminal control
 * characters in it could retitle the window, clear the screen or fake output lines, so they are shown as
 * escapes instead. JSON output does not use this (JSON escapes them itself).
 */

/** `s` with C0 controls, DEL and C1 controls (U+0080-U+009F) written as `\n`, `\t`, `\r` or `\xNN`. */
export function escapeForTerminal(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}
