// One table of error codes (lib/error-codes.ts) decides the CLI's exit code, the UI's HTTP status and the
// queue's retry rule; docs/vocabulary.md lists it as it is.
import * as fs from 'fs';
import * as path from 'path';
import { CliError, modelNotFound, usageError } from '../lib/cli/cli-error';
import { ERROR_CODES, errorCodeOf, exitCodeOf, httpStatusOf, isRetryable } from '../lib/error-codes';
import { AbortedError, InvalidArgumentError, ModelFormatError, ModelNotFoundError, NativeError, OutputExistsError, SdaError } from '../lib/errors';
import { isBadJob } from '../lib/queue/failure';
import { UiError, httpStatusOf as uiStatusOf } from '../lib/ui/errors';
import { ROOT } from './helpers/paths';

test('09.1 docs/vocabulary.md lists every code with its exit code, HTTP status and retry rule', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/vocabulary.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `(ERR_SDA_[A-Z_]+)` \| (.+?) \| (\d) \| (\d{3}) \| (yes|no) \|$/gm)];
  const listed = Object.fromEntries(rows.map((m) => [m[1], { what: m[2], exit: Number(m[3]), http: Number(m[4]), retry: m[5] === 'yes' }]));
  expect(listed).toEqual(ERROR_CODES);
});

test('09.2 the command line: bad usage exits 2, every other failure 1, an error that is not ours is ERR_SDA_INTERNAL', () => {
  expect(exitCodeOf(new InvalidArgumentError('x'))).toBe(2);
  const usage = usageError('x');
  expect([usage.code, usage.exitCode, exitCodeOf(usage)]).toEqual(['ERR_SDA_USAGE', 2, 2]);
  // A model the CLI cannot find is the library's own class, not a second one with the same code.
  const missing = modelNotFound('m', 'no model "m"');
  expect(missing).toBeInstanceOf(ModelNotFoundError);
  expect([missing.code, missing.query, exitCodeOf(missing)]).toEqual(['ERR_SDA_MODEL_NOT_FOUND', 'm', 1]);
  expect(new CliError('ERR_SDA_BAD_JOB', 'x').exitCode).toBe(1);
  for (const err of [new TypeError('bug'), 'a string', null, Object.assign(new Error('x'), { code: 'ENOENT' })]) {
    expect([errorCodeOf(err), exitCodeOf(err), httpStatusOf(err), isRetryable(err)]).toEqual(['ERR_SDA_INTERNAL', 1, 500, true]);
  }
});

test("09.3 the UI server's statuses and the queue's retries follow the table", () => {
  expect(uiStatusOf(new ModelNotFoundError('m', 'x'))).toBe(404);
  expect(uiStatusOf(new OutputExistsError('/a.wav'))).toBe(409);
  expect(uiStatusOf(new AbortedError('x'))).toBe(499);
  expect(uiStatusOf(new ModelFormatError('x'))).toBe(400);
  expect(uiStatusOf(new NativeError('x'))).toBe(500);
  expect(uiStatusOf(new UiError('ERR_SDA_UI_BAD_REQUEST', 405, 'x'))).toBe(405);
  // A job that is wrong in itself fails at once; a hiccup (a file system, a device) is tried again.
  const wrong = ['ERR_SDA_BAD_JOB', 'ERR_SDA_INVALID_ARGUMENT', 'ERR_SDA_USAGE', 'ERR_SDA_MODEL_NOT_FOUND', 'ERR_SDA_AMBIGUOUS_MODEL', 'ERR_SDA_MODEL_FORMAT', 'ERR_SDA_MODEL_VERSION', 'ERR_SDA_TORCH_FILE', 'ERR_SDA_OUTPUT_EXISTS', 'ERR_SDA_NON_FINITE_AUDIO'];
  for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
    expect([code, isBadJob(new SdaError(code, 'x'))]).toEqual([code, wrong.includes(code)]);
  }
});
