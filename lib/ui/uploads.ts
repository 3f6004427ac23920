/**
 * Adding a model by dropping a file on the page. The body is streamed to a private temp folder and
 * stopped at the size limit (before it is read when Content-Length says so); the file is then added as
 * `sda model add` adds one (addModelFile: the same reader, limits and checks, a copy cataloged with its
 * own id, or a training checkpoint converted). Nothing from the file is executed, and the temp folder is
 * removed whatever happens.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IncomingMessage } from 'http';
import { addModelFile } from '../library/add-model';
import { UiError } from './errors';
import { receiveBody } from './request-body';

/** Default upload limit: larger than any small-dataset model (tens of MB) with a wide margin. */
export const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

/** File kinds the page may drop: saved models of both apps, and training checkpoints. */
const EXTENSIONS = new Set(['.sda', '.distill', '.pt', '.pth', '.ckpt']);

export interface UploadResult {
  modelId: string;
  name: string;
  /** How it was added. */
  via: 'model' | 'checkpoint';
}

/** Longest upload file name accepted (characters). */
export const MAX_UPLOAD_NAME = 120;

function uploadName(raw: string | null): string {
  const base = path.basename(String(raw ?? '')).replace(/[^\w.\- ]+/g, '_');
  if (base.length > MAX_UPLOAD_NAME) throw new UiError('ERR_SDA_UI_BAD_REQUEST', 400, `the file name is too long (${base.length} characters; at most ${MAX_UPLOAD_NAME})`);
  const ext = path.extname(base).toLowerCase();
  if (!EXTENSIONS.has(ext)) throw new UiError('ERR_SDA_UI_BAD_REQUEST', 400, `drop a ${[...EXTENSIONS].join(', ')} file`);
  return base;
}

export async function addUploadedModel(req: IncomingMessage, fileName: string | null, modelsDir: string, limit: number): Promise<UploadResult> {
  const name = uploadName(fileName);
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'sda-ui-upload-'));
  try {
    const file = path.join(dir, name);
    await receiveBody(req, () => fs.createWriteStream(file, { mode: 0o600 }), limit, 'the file');
    // A copy keeps the file's model id: presets are keyed by it, and the same model dropped twice is
    // refused as already cataloged (ModelExistsError) rather than duplicated.
    const added = await addModelFile(file, { modelsDir });
    return { modelId: added.metadata.modelId, name: added.metadata.name, via: added.via === 'copy' ? 'model' : 'checkpoint' };
  } catch (e) {
    // The answer names the file as the page sent it, never the server's temp folder.
    if (e instanceof Error) e.message = e.message.split(path.join(dir, name)).join(name).split(dir).join('(upload)');
    throw e;
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
