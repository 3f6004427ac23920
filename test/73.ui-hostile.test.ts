/**
 * The UI server under attack (issue 21): the token never on a command line (`--open` hands over a one-time
 * link), Keep and every never-overwrite write atomic, presets files of the wrong shape or size refused and
 * left alone, malformed ids typed, the render queue, the takes' memory and slow uploads bounded, and what
 * comes from outside kept out of (or short in) the answers.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { GenerationPipeline, loadModel, OutputExistsError, startUi, type GenerationResult, type UiHandle } from '../lib';
import { MAX_PENDING_JOBS, MAX_PENDING_SECONDS } from '../lib/ui/render-queue';
import { deletePreset, listPresets, MAX_PRESETS_FILE_BYTES, savePreset } from '../lib/ui/presets';
import { CLI, GENUINE } from './helpers/paths';
import { genuineUiLibrary, parseUiUrl, request, uiWithRecordingOpener } from './helpers/ui';

let root: string;
let modelsDir: string;
let ui: UiHandle;
let base: { origin: string; token: string; hostPort: string };
let models: Array<{ modelId: string; hasAnalysis: boolean }>;

beforeAll(async () => {
  ({ root, modelsDir } = await genuineUiLibrary());
  ui = await startUi({ modelsDir, device: 'cpu', outDir: path.join(root, 'takes') });
  base = parseUiUrl(ui.url);
  models = (await request(`${base.origin}/api/models`, { headers: auth() })).json().models as typeof models;
});
afterAll(async () => {
  await ui?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const auth = () => ({ 'x-sda-token': base.token });
const post = (url: string, body: unknown, origin = base.origin, token = base.token) =>
  request(`${origin}${url}`, { method: 'POST', headers: { 'x-sda-token': token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const sliderModel = () => models.find((m) => m.hasAnalysis)!;

interface Job { id: string; state: string; takeId: string | null }
async function finished(id: string, origin = base.origin, token = base.token): Promise<Job> {
  for (;;) {
    const j = ((await request(`${origin}/api/jobs`, { headers: { 'x-sda-token': token } })).json().jobs as Job[]).find((x) => x.id === id);
    // Gone from the list: finished long enough ago to be pruned (64 finished jobs are listed).
    if (!j) return { id, state: 'pruned', takeId: null };
    if (j.state !== 'queued' && j.state !== 'rendering') return j;
    await new Promise((r) => setTimeout(r, 20));
  }
}
async function render(body: Record<string, unknown>, origin = base.origin, token = base.token): Promise<string> {
  const r = await post('/api/jobs', { modelId: sliderModel().modelId, duration: 0.3, ...body }, origin, token);
  expect(r.status).toBe(202);
  const j = await finished(r.json().id as string, origin, token);
  expect(j.state).toBe('done');
  return j.takeId!;
}

test('73.1 sda ui --open gives the opener a one-time link without the token; the link works once, then and after its time it is refused', async () => {
  const opened = await uiWithRecordingOpener(CLI, ['--models-dir', modelsDir, '--device', 'cpu']);
  try {
    const { origin, token } = parseUiUrl(opened.url);
    expect(opened.recorded.join('\n')).not.toContain(token);
    const link = opened.recorded[1]!;
    expect(link).toMatch(new RegExp(`^${origin}/open/[A-Za-z0-9_-]{32}$`));
    const first = await request(link);
    expect(first.status).toBe(302);
    // The token travels in the fragment: the page takes it, the browser never sends it anywhere.
    expect(first.headers.location).toBe(`/#token=${token}`);
    const again = await request(link);
    expect([again.status, again.json().error?.code]).toEqual([403, 'ERR_SDA_UI_FORBIDDEN']);
  } finally {
    opened.stop();
  }
  const expiring = ui.openUrl(50);
  await new Promise((r) => setTimeout(r, 120));
  expect((await request(expiring)).status).toBe(403);
  expect((await request(ui.openUrl())).status).toBe(302);
  expect((await request(`${base.origin}/open/not-issued`)).status).toBe(403);
});

test('73.2 two takes kept at once under the same name both survive: two WAVs and two sidecars, the second under -2', async () => {
  const outDir = path.join(root, 'takes');
  let collided = 0;
  for (let round = 0; round < 3; round++) {
    // The same seed, other sliders: the same default name (time in seconds + seed) when kept in one second.
    const a = await render({ seed: 4242, sliders: [1] });
    const b = await render({ seed: 4242, sliders: [-1] });
    const before = new Set(fs.existsSync(outDir) ? fs.readdirSync(outDir) : []);
    const [ka, kb] = await Promise.all([post(`/api/takes/${a}/keep`, {}), post(`/api/takes/${b}/keep`, {})]);
    expect([ka.status, kb.status]).toEqual([200, 200]);
    const wavs = [ka.json().audioPath as string, kb.json().audioPath as string];
    expect(new Set(wavs).size).toBe(2);
    const added = fs.readdirSync(outDir).filter((f) => !before.has(f)).sort();
    expect(added).toHaveLength(4);
    for (const w of wavs) {
      expect(added).toContain(path.basename(w));
      expect(added).toContain(path.basename(w).replace(/\.wav$/, '.json'));
      const sidecar = JSON.parse(fs.readFileSync(w.replace(/\.wav$/, '.json'), 'utf8')) as { filename?: string; file_name?: string };
      expect(JSON.stringify(sidecar)).toContain(path.basename(w));
    }
    // Each WAV is its own take's audio, not one written twice.
    expect(fs.readFileSync(wavs[0]!).equals(fs.readFileSync(wavs[1]!))).toBe(false);
    if (wavs.some((w) => w.endsWith('-2.wav'))) collided++;
  }
  // The rounds raced for one name (unless every one straddled a second).
  expect(collided).toBeGreaterThan(0);
});

test('73.3 concurrent exports with overwrite false: exactly one writes, the others are OutputExistsError, and the pair on disk is the winner\'s', async () => {
  const pipeline = new GenerationPipeline(await loadModel(path.join(GENUINE, 'trained/models/genuine_trained_fixture_v1.sda'), { device: 'cpu' }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-noclobber-'));
  try {
    const results: GenerationResult[] = [await pipeline.generate({ duration: 0.3, seed: 1 }), await pipeline.generate({ duration: 0.3, seed: 2 })];
    const refs = await Promise.all(results.map((r, i) => pipeline.export(r, dir, { fileName: `ref${i}.wav` })));
    for (let round = 0; round < 3; round++) {
      const name = `race${round}.wav`;
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => pipeline.export(results[i % 2]!, dir, { fileName: name, overwrite: false })));
      const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(OutputExistsError);
      const w = won[0]! % 2;
      expect(fs.readFileSync(path.join(dir, name)).equals(fs.readFileSync(refs[w]!.audioPath))).toBe(true);
      expect((JSON.parse(fs.readFileSync(path.join(dir, `race${round}.json`), 'utf8')) as { seed: number }).seed).toBe(results[w]!.seedUsed);
    }
    // No temp file is left behind.
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  } finally {
    pipeline.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('73.4 presets: a file of the wrong shape or past the size limit is a typed error and left untouched; a failed delete writes nothing; no folder for an id not in the library', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-presets-hostile-'));
  try {
    const id = 'model-a';
    const file = path.join(dir, id, 'presets.json');
    fs.mkdirSync(path.dirname(file));
    for (const text of ['{"version":1,"presets":[],"extra":1}', '{"version":1,"presets":"x"}', '{"presets":{},"folders":{}}']) {
      fs.writeFileSync(file, text);
      await expect(listPresets(dir, id)).rejects.toMatchObject({ code: 'ERR_SDA_UI_PRESETS' });
      await expect(savePreset(dir, id, { name: 'p', sliderPositions: [1] })).rejects.toMatchObject({ code: 'ERR_SDA_UI_PRESETS' });
      await expect(deletePreset(dir, id, 'x')).rejects.toMatchObject({ code: 'ERR_SDA_UI_PRESETS' });
      expect(fs.readFileSync(file, 'utf8')).toBe(text);
      expect(fs.readdirSync(path.dirname(file))).toEqual(['presets.json']);
    }
    // A missing preset: 404, and the file (with a key we do not know) is not rewritten, nor backed up.
    const text = '{"version": 1, "model_id": "model-a", "folders": [], "presets": {}, "mine": true}';
    fs.writeFileSync(file, text);
    const mtime = fs.statSync(file).mtimeMs;
    await expect(deletePreset(dir, id, 'nope')).rejects.toMatchObject({ code: 'ERR_SDA_UI_NOT_FOUND' });
    expect([fs.readFileSync(file, 'utf8'), fs.statSync(file).mtimeMs, fs.readdirSync(path.dirname(file))]).toEqual([text, mtime, ['presets.json']]);
    await expect(deletePreset(dir, 'model-b', 'nope')).rejects.toMatchObject({ code: 'ERR_SDA_UI_NOT_FOUND' });
    expect(fs.existsSync(path.join(dir, 'model-b'))).toBe(false);
    // Past the limit: refused before it is read whole, fast.
    fs.writeFileSync(file, `{"presets": {}, "pad": "${'x'.repeat(MAX_PRESETS_FILE_BYTES)}"}`);
    const t0 = Date.now();
    await expect(listPresets(dir, id)).rejects.toMatchObject({ code: 'ERR_SDA_UI_PRESETS', message: expect.stringContaining(`${MAX_PRESETS_FILE_BYTES}-byte limit`) });
    expect(Date.now() - t0).toBeLessThan(1000);
    // Slider steps in the file must be integers: null is not 0.
    fs.writeFileSync(file, JSON.stringify({ version: 1, model_id: id, folders: [], presets: { a: { name: 'nulls', slider_positions: [null, 1] }, b: { name: 'ok', slider_positions: [0, 1] } } }));
    expect((await listPresets(dir, id)).presets.map((p) => p.name)).toEqual(['ok']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // Over the API: ids that are not models of the library make no folder (prototype names included).
  const presetsDir = path.join(root, 'presets');
  for (const id of ['constructor', 'toString', 'not-a-model']) {
    const del = await request(`${base.origin}/api/models/${id}/presets/x`, { method: 'DELETE', headers: auth() });
    const list = await request(`${base.origin}/api/models/${id}/presets`, { headers: auth() });
    expect([del.status, del.json().error?.code, list.status]).toEqual([404, 'ERR_SDA_MODEL_NOT_FOUND', 404]);
    expect(fs.existsSync(path.join(presetsDir, id))).toBe(false);
  }
});

test('73.5 malformed percent-encoding in an id is a 400 ERR_SDA_UI_BAD_REQUEST, not a 500', async () => {
  for (const [method, url] of [
    ['GET', '/api/models/%E0%A4%A'],
    ['DELETE', '/api/models/%E0%A4%A'],
    ['GET', '/api/models/%E0%A4%A/presets'],
    ['DELETE', `/api/models/${sliderModel().modelId}/presets/%ZZ`],
  ] as const) {
    const r = await request(`${base.origin}${url}`, { method, headers: auth() });
    expect([url, r.status, r.json().error?.code]).toEqual([url, 400, 'ERR_SDA_UI_BAD_REQUEST']);
  }
});

test(`73.6 the render queue holds at most ${MAX_PENDING_JOBS} requests and ${MAX_PENDING_SECONDS} s of audio; one more is a 503 ERR_SDA_UI_BUSY`, async () => {
  // Fills the queue with `count` requests of `duration` s, checks the next one is refused, then cancels them.
  const fill = async (count: number, duration: number) => {
    const ids: string[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const r = await post('/api/jobs', { modelId: sliderModel().modelId, duration, seed: i });
        expect(r.status).toBe(202);
        ids.push(r.json().id as string);
      }
      const over = await post('/api/jobs', { modelId: sliderModel().modelId, duration });
      expect([over.status, over.json().error?.code]).toEqual([503, 'ERR_SDA_UI_BUSY']);
    } finally {
      for (const id of ids) await request(`${base.origin}/api/jobs/${id}`, { method: 'DELETE', headers: auth() });
      for (const id of ids) await finished(id);
    }
  };
  // Long enough that none finishes while the queue is filled (and 32 x 28 s stays within the seconds).
  await fill(MAX_PENDING_JOBS, 28);
  await fill(Math.floor(MAX_PENDING_SECONDS / 60), 60);
});

test('73.7 takes hold at most their byte budget (samples and WAV, measured): the oldest are dropped and the take list says so', async () => {
  const h = await startUi({ modelsDir, device: 'cpu', takesBudgetBytes: 300_000 });
  try {
    const { origin, token } = parseUiUrl(h.url);
    for (let i = 0; i < 4; i++) await render({ seed: 10 + i, duration: 0.5 }, origin, token);
    const list = (await request(`${origin}/api/takes`, { headers: { 'x-sda-token': token } })).json() as {
      takes: Array<{ id: string; samples: number; channels: number }>; dropped: number; bytesHeld: number; budgetBytes: number; notice: string | null;
    };
    let measured = 0;
    for (const t of list.takes) {
      const wav = await request(`${origin}/api/takes/${t.id}.wav`, { headers: { 'x-sda-token': token } });
      measured += t.samples * t.channels * 4 + wav.body.length;
    }
    expect(list.bytesHeld).toBe(measured);
    expect(list.bytesHeld).toBeLessThanOrEqual(300_000);
    expect(list.takes.length).toBeLessThan(4);
    expect(list.dropped).toBe(4 - list.takes.length);
    expect(list.notice).toContain(`${list.dropped} older take`);
  } finally {
    await h.close();
  }
});

test('73.8 a body trickling in slower than the minimum rate is refused (408 ERR_SDA_UI_TIMEOUT) and its temp folder removed', async () => {
  const uploads = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('sda-ui-upload-')).sort();
  const before = uploads();
  const u = new URL(base.origin);
  const socket = net.connect(Number(u.port), u.hostname);
  const answer = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
  });
  socket.write(`PUT /api/models/upload?name=slow.sda HTTP/1.1\r\nHost: ${base.hostPort}\r\nx-sda-token: ${base.token}\r\nContent-Length: 100000\r\n\r\n`);
  const trickle = setInterval(() => socket.writable && socket.write('x'), 1000);
  const t0 = Date.now();
  try {
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(text).toContain('ERR_SDA_UI_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(30_000);
  } finally {
    clearInterval(trickle);
    socket.destroy();
  }
  expect(uploads()).toEqual(before);
}, 60_000);

test('73.9 what comes from outside: no temp path in upload errors; a long upload name is "too long"; a preset name must be text; null sliders refused; long ids clipped in messages', async () => {
  const notTorch = await request(`${base.origin}/api/models/upload?name=junk.sda`, { method: 'PUT', headers: auth(), body: Buffer.from('not a torch file at all') });
  expect(notTorch.status).toBe(400);
  expect(notTorch.json().error?.message).not.toContain(os.tmpdir());
  expect(notTorch.json().error?.message).not.toContain('sda-ui-upload-');

  const long = await request(`${base.origin}/api/models/upload?name=${'a'.repeat(130)}.sda`, { method: 'PUT', headers: auth(), body: Buffer.from('x') });
  expect([long.status, long.json().error?.code]).toEqual([400, 'ERR_SDA_UI_BAD_REQUEST']);
  expect(long.json().error?.message).toMatch(/too long/);

  const id = sliderModel().modelId;
  const preset = await post(`/api/models/${id}/presets`, { name: { toString: 'x' }, sliderPositions: [1] });
  expect([preset.status, preset.json().error?.code]).toEqual([400, 'ERR_SDA_UI_BAD_REQUEST']);
  const listed = (await request(`${base.origin}/api/models/${id}/presets`, { headers: auth() })).json() as { presets: Array<{ name: string }> };
  expect(listed.presets.map((p) => p.name)).not.toContain('[object Object]');
  expect((await post(`/api/models/${id}/presets`, { name: 'n', sliderPositions: [null, 1] })).status).toBe(400);
  expect((await post('/api/jobs', { modelId: id, sliders: [null, 1] })).status).toBe(400);

  const huge = 'q'.repeat(20_000);
  const r = await post('/api/jobs', { modelId: huge });
  expect(r.status).toBe(404);
  const message = r.json().error!.message;
  expect(message.length).toBeLessThan(1000);
  expect(message).toContain('\u2026');
});
