/**
 * The generation options of a UI render request (POST /api/jobs): the keys the page sends, each checked by
 * the job parser (lib/jobs/options.ts), so a request is refused with the message a job file would get.
 */
import type { GenOptions } from '../jobs/options';
import { parseOption } from '../jobs/options';

/** The options a render request may carry (the API's names); other body keys are not options. */
export const UI_OPTION_KEYS = ['duration', 'seed', 'stereoMode', 'concatMode', 'sampleRate', 'stereoWidth', 'bitDepth', 'sliders'] as const satisfies ReadonlyArray<keyof GenOptions>;

/** The options of a request body; an absent, null or empty ("") value is an option not given. */
export function parseRenderOptions(body: Record<string, unknown>): GenOptions {
  const out: Record<string, unknown> = {};
  for (const key of UI_OPTION_KEYS) {
    const v = body[key];
    if (v === undefined || v === null || v === '') continue;
    out[key] = parseOption(key, v);
  }
  return out as GenOptions;
}
