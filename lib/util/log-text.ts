/**
 * Text from outside (a job's output name or model string, an error message quoting a value) echoed into
 * one log line is clipped, so a 10 MB string in a job never becomes a 10 MB line in a worker's log.
 */

/** Characters of a name or model string kept in a log line. */
export const LOG_NAME_MAX = 200;
/** Characters of an error message kept in a log line (it may quote a path or two and a value). */
export const LOG_MESSAGE_MAX = 1000;

/** `text` when it has at most `max` characters, else its first `max` followed by `…` and the full length. */
export function clipForLog(text: string, max: number): string {
  if (text.length <= max) return text;
  // Not between the two halves of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text[max - 1]!) ? max - 1 : max;
  return `${text.slice(0, end)}… (${text.length} characters)`;
}
