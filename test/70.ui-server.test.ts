/**
 * `sda ui` / startUi: where it listens, and who may use it. Requests without the token, with a wrong
 * one, with a foreign Host (DNS rebinding) or Origin (another website), oversized and hostile uploads
 * are all refused with typed errors, and the server keeps serving afterwards.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PyDict, startUi, writeTorchFile, type UiHandle } from '../lib';
import { CLI, GENUINE } from './helpers/paths';
import { genuineUiLibrary, parseUiUrl, request, uiWithRecordingOpener } from './helpers/ui';

let ui: UiHandle;
let modelsDir: string;
let base: { origin: string; token: string; hostPort: string };
const LIMIT = 64 * 1024;

beforeAll(async () => {
  ({ modelsDir } = await genuineUiLibrary());
  ui = await startUi({ modelsDir, device: 'cpu', maxUploadBytes: LIMIT });
  base = parseUiUrl(ui.url);
});
afterAll(async () => {
  await ui?.close();
});

const auth = () => ({ 'x-sda-token': base.token });
const catalogIds = () => Object.keys((JSON.parse(fs.readFileSync(path.join(modelsDir, 'model_library.json'), 'utf8')) as { models: object }).models).sort();
const uploadDirs = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('sda-ui-upload-')).sort();

async function stillServing(): Promise<void> {
  const r = await request(`${base.origin}/api/models`, { headers: auth() });
  expect(r.status).toBe(200);
  expect((r.json().models as unknown[]).length).toBe(3);
}

test('70.1 listens on 127.0.0.1 and a free port by default; the URL carries a long random token; the page is served with a strict CSP', async () => {
  const u = new URL(ui.url);
  expect(u.hostname).toBe('127.0.0.1');
  expect(Number(u.port)).toBeGreaterThan(0);
  expect(base.token.length).toBeGreaterThanOrEqual(32);
  const other = await startUi({ modelsDir, device: 'cpu' });
  try {
    expect(parseUiUrl(other.url).token).not.toBe(base.token);
    expect(new URL(other.url).port).not.toBe(u.port);
  } finally {
    await other.close();
  }
  const page = await request(ui.url);
  expect(page.status).toBe(200);
  expect(page.headers['content-type']).toMatch(/text\/html/);
  expect(page.headers['content-security-policy']).toContain("default-src 'none'");
  expect(page.headers['referrer-policy']).toBe('no-referrer');
});

test('70.2 API calls without the token, or with a wrong one, are refused; the header or the query parameter is accepted', async () => {
  for (const r of [
    await request(`${base.origin}/api/models`),
    await request(`${base.origin}/api/models`, { headers: { 'x-sda-token': (base.token[0] === 'a' ? 'b' : 'a') + base.token.slice(1) } }),
    await request(`${base.origin}/api/models?token=`),
    await request(`${base.origin}/api/models/repair`, { method: 'POST' }),
  ]) {
    expect(r.status).toBe(403);
    expect(r.json().error?.code).toBe('ERR_SDA_UI_FORBIDDEN');
  }
  expect((await request(`${base.origin}/api/models`, { headers: auth() })).status).toBe(200);
  expect((await request(`${base.origin}/api/models?token=${base.token}`)).status).toBe(200);
});

test('70.3 a foreign Host (DNS rebinding) is refused even with the token, for the page and the API; loopback names are accepted', async () => {
  const port = new URL(ui.url).port;
  for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`, `localhost.evil.example:${port}`]) {
    for (const p of ['/', '/api/models']) {
      const r = await request(`${base.origin}${p}`, { headers: { ...auth(), host } });
      expect([host, p, r.status]).toEqual([host, p, 403]);
      expect(r.json().error?.code).toBe('ERR_SDA_UI_FORBIDDEN');
    }
  }
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
    expect((await request(`${base.origin}/api/models`, { headers: { ...auth(), host } })).status).toBe(200);
  }
  await stillServing();
});

test('70.4 a foreign Origin (another website in the same browser) is refused, reads and writes alike; the own origin is accepted', async () => {
  for (const origin of ['http://evil.example', 'null', `https://${base.hostPort}`, `http://${base.hostPort}.evil.example`]) {
    const r = await request(`${base.origin}/api/models/repair`, { method: 'POST', headers: { ...auth(), origin } });
    expect([origin, r.status]).toEqual([origin, 403]);
    expect((await request(`${base.origin}/api/models`, { headers: { ...auth(), origin } })).status).toBe(403);
  }
  expect((await request(`${base.origin}/api/models`, { headers: { ...auth(), origin: base.origin } })).status).toBe(200);
  await stillServing();
});

test('70.5 an upload over the limit is refused (declared or streamed), nothing is cataloged and no temp file is left', async () => {
  const before = catalogIds();
  const dirsBefore = uploadDirs();
  const big = Buffer.alloc(LIMIT * 4, 1);
  const declared = await request(`${base.origin}/api/models/upload?name=big.sda`, { method: 'PUT', headers: { ...auth(), 'content-length': String(big.length) }, body: big });
  expect(declared.status).toBe(413);
  expect(declared.json().error?.code).toBe('ERR_SDA_UI_TOO_LARGE');
  const streamed = await request(`${base.origin}/api/models/upload?name=big.sda`, { method: 'PUT', headers: { ...auth(), 'transfer-encoding': 'chunked' }, body: big, chunked: true });
  expect(streamed.status).toBe(413);
  expect(streamed.json().error?.code).toBe('ERR_SDA_UI_TOO_LARGE');
  expect(catalogIds()).toEqual(before);
  expect(uploadDirs()).toEqual(dirsBefore);
  await stillServing();
});

test('70.6 hostile uploads (not a torch file, a torch file that is no model, a wrong extension) are refused, typed, and change nothing', async () => {
  const before = catalogIds();
  const notTorch = Buffer.from('PK\u0003\u0004 this is not a torch.save archive '.repeat(20));
  const r1 = await request(`${base.origin}/api/models/upload?name=evil.sda`, { method: 'PUT', headers: auth(), body: notTorch });
  expect(r1.status).toBe(400);
  expect(r1.json().error?.code).toBe('ERR_SDA_TORCH_FILE');

  const dictFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sda-ui-t-')), 'plain.sda');
  await writeTorchFile(dictFile, PyDict.fromObject({ hello: 'world' }));
  const r2 = await request(`${base.origin}/api/models/upload?name=plain.sda`, { method: 'PUT', headers: auth(), body: fs.readFileSync(dictFile) });
  expect(r2.status).toBe(400);
  expect(r2.json().error?.code).toBe('ERR_SDA_MODEL_FORMAT');

  const r3 = await request(`${base.origin}/api/models/upload?name=..%2F..%2Fevil.sh`, { method: 'PUT', headers: auth(), body: 'echo hi' });
  expect(r3.status).toBe(400);
  expect(r3.json().error?.code).toBe('ERR_SDA_UI_BAD_REQUEST');
  expect(catalogIds()).toEqual(before);
  await stillServing();
});

test('70.7 a genuine model uploaded is checked and cataloged; the same model again is a conflict', async () => {
  const { root, modelsDir: dir } = await genuineUiLibrary();
  fs.rmSync(path.join(dir, 'model_library.json'));
  for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
  const h = await startUi({ modelsDir: dir, device: 'cpu' });
  try {
    const { origin, token } = parseUiUrl(h.url);
    const body = fs.readFileSync(path.join(GENUINE, 'sample_only/models/sample_only_fixture.sda'));
    const r = await request(`${origin}/api/models/upload?name=sample_only_fixture.sda`, { method: 'PUT', headers: { 'x-sda-token': token }, body });
    expect(r.status).toBe(201);
    const listed = (await request(`${origin}/api/models`, { headers: { 'x-sda-token': token } })).json().models as Array<{ modelId: string }>;
    expect(listed.map((m) => m.modelId)).toEqual([r.json().modelId]);
    const again = await request(`${origin}/api/models/upload?name=sample_only_fixture.sda`, { method: 'PUT', headers: { 'x-sda-token': token }, body });
    expect(again.status).toBe(409);
    expect(again.json().error?.code).toBe('ERR_SDA_MODEL_EXISTS');
  } finally {
    await h.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

/** Starts `sda ui ...args` and resolves with its first stdout line and stderr so far; kills it after. */
function cliUi(args: string[]): Promise<{ firstLine: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'ui', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        const firstLine = out.slice(0, nl);
        child.once('exit', (code) => (code === 130 || code === 143 ? resolve({ firstLine, stderr: err }) : reject(new Error(`exit ${code}: ${err}`))));
        // The URL works before we stop it.
        request(`${firstLine.replace('/?', '/api/info?')}`).then((r) => (r.status === 200 ? child.kill('SIGTERM') : reject(new Error(`status ${r.status}`))), reject);
      }
    });
    child.once('exit', (code) => {
      if (!out.includes('\n')) reject(new Error(`sda ui exited ${code} before printing a URL: ${err}`));
    });
  });
}

test('70.8 sda ui prints the URL as the first line of stdout; another host only when asked, with a warning on stderr', async () => {
  const local = await cliUi(['--models-dir', modelsDir, '--device', 'cpu']);
  expect(local.firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32,}$/);
  expect(local.stderr).not.toMatch(/warning/);
  const wide = await cliUi(['--models-dir', modelsDir, '--device', 'cpu', '--host', '0.0.0.0']);
  expect(wide.firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  expect(wide.stderr).toMatch(/warning: listening on 0\.0\.0\.0/);
});

test('70.9 generation requests the API cannot render are refused at once, typed; an unknown model is 404', async () => {
  const id = ((await request(`${base.origin}/api/models`, { headers: auth() })).json().models as Array<{ modelId: string }>)[0]!.modelId;
  const post = (body: unknown) => request(`${base.origin}/api/jobs`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  for (const body of [{ modelId: id, duration: 1000 }, { modelId: id, stereoMode: 'surround' }, { modelId: id, seed: -1 }, { modelId: id, bitDepth: '8' }]) {
    const r = await post(body);
    expect([body, r.status]).toEqual([body, 400]);
    expect(r.json().error?.code).toBe('ERR_SDA_INVALID_ARGUMENT');
  }
  const missing = await post({ modelId: 'no-such-model', duration: 1 });
  expect(missing.status).toBe(404);
  expect(missing.json().error?.code).toBe('ERR_SDA_MODEL_NOT_FOUND');
  const notJson = await request(`${base.origin}/api/jobs`, { method: 'POST', headers: auth(), body: '{' });
  expect(notJson.status).toBe(400);
  expect(notJson.json().error?.code).toBe('ERR_SDA_UI_BAD_REQUEST');
  expect(((await request(`${base.origin}/api/jobs`, { headers: auth() })).json().jobs as unknown[]).length).toBe(0);
  await stillServing();
});

test('70.10 sda ui --open hands the desktop opener (xdg-open) a one-time link to the page the URL names', async () => {
  const ui2 = await uiWithRecordingOpener(CLI, ['--models-dir', modelsDir, '--device', 'cpu']);
  try {
    const opened = await request(ui2.recorded[1]!);
    expect([opened.status, opened.headers.location]).toEqual([302, `/#token=${parseUiUrl(ui2.url).token}`]);
  } finally {
    ui2.stop();
  }
});

test('70.11 deleting the model being rendered: that render is cancelled (or had finished), the server frees the model and renders the next request', async () => {
  const { root, modelsDir: dir } = await genuineUiLibrary();
  const h = await startUi({ modelsDir: dir, device: 'cpu' });
  try {
    const { origin, token } = parseUiUrl(h.url);
    const headers = { 'x-sda-token': token, 'content-type': 'application/json' };
    const models = (await request(`${origin}/api/models`, { headers })).json().models as Array<{ modelId: string; hasAnalysis: boolean }>;
    // The trained model: its 60 s take renders for seconds on CPU, long enough to be deleted meanwhile.
    const doomed = models.find((m) => m.hasAnalysis)!;
    const other = models.find((m) => m !== doomed)!;
    const job = (await request(`${origin}/api/jobs`, { method: 'POST', headers, body: JSON.stringify({ modelId: doomed.modelId, duration: 60 }) })).json() as { id: string };
    const jobOf = async (id: string) => ((await request(`${origin}/api/jobs`, { headers })).json().jobs as Array<{ id: string; state: string; progress: number }>).find((j) => j.id === id)!;
    const stateOf = async (id: string) => (await jobOf(id)).state;
    // Wait for the state, not for time: progress above 0 means the model is loaded and chunks are rendering.
    for (let j = await jobOf(job.id); j.state === 'queued' || (j.state === 'rendering' && j.progress === 0); j = await jobOf(job.id)) {
      await new Promise((r) => setImmediate(r));
    }
    expect((await request(`${origin}/api/models/${doomed.modelId}`, { method: 'DELETE', headers })).status).toBe(200);
    // The render goes on with the copy in memory: cancelled here, or finished first on a fast machine.
    const cancelled = (await request(`${origin}/api/jobs/${job.id}`, { method: 'DELETE', headers })).json().cancelled as boolean;
    while ((await stateOf(job.id)) === 'rendering') await new Promise((r) => setImmediate(r));
    expect(await stateOf(job.id)).toBe(cancelled ? 'cancelled' : 'done');
    const next = (await request(`${origin}/api/jobs`, { method: 'POST', headers, body: JSON.stringify({ modelId: other.modelId, duration: 0.5, seed: 1 }) })).json() as { id: string };
    while (['queued', 'rendering'].includes(await stateOf(next.id))) await new Promise((r) => setImmediate(r));
    expect(await stateOf(next.id)).toBe('done');
  } finally {
    await h.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('70.12 a render request is checked by the job parser (its messages); randomize answers sliderPositions; without modelsDir the models folder is found as sda finds it', async () => {
  const models = (await request(`${base.origin}/api/models`, { headers: auth() })).json().models as Array<{ modelId: string }>;
  const post = (url: string, body: unknown) => request(`${base.origin}${url}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  for (const [options, job] of [
    [{ stereoMode: 'surround' }, 'stereoMode must be one of "mono", "mid-side", "dual-seed"; got "surround"'],
    [{ duration: 61 }, 'duration must be more than 0 and at most 60 seconds; got 61'],
    [{ stereoWidth: 'wide' }, 'stereoWidth must be a number; got "wide"'],
  ] as const) {
    const r = await post('/api/jobs', { modelId: models[0]!.modelId, ...options });
    expect([options, r.status, r.json().error?.message]).toEqual([options, 400, job]);
  }
  // The genuine trained model has sliders; the answer also carries the 0.2.0 name.
  let answered = false;
  for (const m of models) {
    const r = await post(`/api/models/${encodeURIComponent(m.modelId)}/randomize`, { seed: 7 });
    if (r.status !== 200) continue;
    const body = r.json() as { sliderPositions: number[]; positions: number[] };
    expect(body.positions).toEqual(body.sliderPositions);
    if (body.sliderPositions.length > 0) answered = true;
  }
  expect(answered).toBe(true);
  expect((await post(`/api/models/${encodeURIComponent(models[0]!.modelId)}/randomize`, { seed: -1 })).json().error?.message).toBe('seed must be a non-negative integer; got -1');

  const saved = process.env.SDA_MODELS_DIR;
  process.env.SDA_MODELS_DIR = modelsDir;
  const h = await startUi({ device: 'cpu' });
  try {
    const b = parseUiUrl(h.url);
    const info = (await request(`${b.origin}/api/info`, { headers: { 'x-sda-token': b.token } })).json() as { modelsDir: string };
    expect(info.modelsDir).toBe(path.resolve(modelsDir));
  } finally {
    await h.close();
    if (saved === undefined) delete process.env.SDA_MODELS_DIR;
    else process.env.SDA_MODELS_DIR = saved;
  }
  await stillServing();
});
