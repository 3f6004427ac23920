/**
 * The `sda ui` page: plain TypeScript on the DOM, bundled by esbuild at package build time
 * (scripts/build-ui.js). It talks only to the server that served it; every API call carries the token
 * from the URL the server printed (kept in sessionStorage, then removed from the address bar so that it
 * is not shown on screen or in screenshots).
 */
import { drawSpectrogram } from './spectrogram';

interface Entry {
  modelId: string; name: string; description: string; tags: string[]; fileSizeBytes: number; trainingEpochs: number;
  saveDate: string; trainingDate: string; datasetName: string; datasetFileCount: number; datasetTotalDurationS: number;
  finalTrainLoss: number; finalValLoss: number; hasAnalysis: boolean; nActiveComponents: number; filePath: string;
}
interface Slider { index: number; label: string; suggestedLabel: string; minStep: number; maxStep: number; safeMinStep: number; safeMaxStep: number; warningMinStep: number; warningMaxStep: number; varianceExplainedPct: number }
interface Details { entry: Entry; latentDim: number; format: string; spectrogram: unknown; trainingConfig: unknown; sliders: Slider[]; center: number[] }
interface Job { id: string; state: string; modelName: string; duration: number; progress: number; takeId: string | null; error: { code: string; message: string } | null }
interface Take { id: string; modelName: string; seed: number; duration: number; sampleRate: number; channels: number; samples: number; bitDepth: string; stereoMode: string; sliderPositions: number[] | null; quality: { rating: string; ratingReason: string; snrDb: number | null }; peaks: number[]; kept: string | null }
interface Preset { presetId: string; name: string; sliderPositions: number[]; seed: number | null; folder: string }

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

// The token: from the URL once (the query, or the fragment a one-time link redirects to), then from this
// tab's storage.
const params = new URLSearchParams(location.search);
const fragment = new URLSearchParams(location.hash.slice(1));
if (!params.has('token') && fragment.has('token')) params.set('token', fragment.get('token')!);
const token = params.get('token') ?? sessionStorage.getItem('sda-token') ?? '';
if (params.has('token')) {
  sessionStorage.setItem('sda-token', token);
  history.replaceState(null, '', location.pathname);
}

class ApiError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

async function api<T>(method: string, path: string, body?: unknown, raw?: Blob): Promise<T> {
  const headers: Record<string, string> = { 'x-sda-token': token };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const data = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok) throw new ApiError(data.error?.code ?? `HTTP ${res.status}`, data.error?.message ?? res.statusText);
  return data as T;
}
const withToken = (path: string) => `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;

function status(text: string, error = false): void {
  const s = $('status');
  s.textContent = text;
  s.className = error ? 'error' : '';
}
function fail(e: unknown): void {
  const err = e as ApiError;
  status(`${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}`, true);
}

function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, unknown>> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  el.append(...children);
  return el;
}

const fmtBytes = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.ceil(n / 1024)} kB`);
const fmtDate = (s: string) => s.slice(0, 16).replace('T', ' ');

// ---------------------------------------------------------------- library

let models: Entry[] = [];
let latent: Record<string, number | null> = {};
let current: Details | null = null;

async function loadLibrary(): Promise<void> {
  models = (await api<{ models: Entry[] }>('GET', '/api/models')).models;
  const tags = [...new Set(models.flatMap((m) => m.tags))].sort();
  const sel = $<HTMLSelectElement>('tag');
  const keep = sel.value;
  sel.replaceChildren(h('option', { value: '' }, 'All tags'), ...tags.map((t) => h('option', { value: t }, t)));
  sel.value = tags.includes(keep) ? keep : '';
  renderLibrary();
  // Latent sizes need a read of each file: filled in after the list is on screen.
  api<{ latentDims: Record<string, number | null> }>('GET', '/api/models/latent').then((r) => { latent = r.latentDims; renderLibrary(); }, fail);
}

function renderLibrary(): void {
  const q = $<HTMLInputElement>('search').value.trim().toLowerCase();
  const tag = $<HTMLSelectElement>('tag').value;
  const [key, dir] = $<HTMLSelectElement>('sort').value.split(':') as [keyof Entry, string];
  const shown = models
    .filter((m) => (!q || m.name.toLowerCase().includes(q) || m.description.toLowerCase().includes(q)) && (!tag || m.tags.includes(tag)))
    .sort((a, b) => {
      const x = a[key] as string | number, y = b[key] as string | number;
      const c = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
      return dir === 'desc' ? -c : c;
    });
  const rows = shown.map((m) =>
    h('tr', { class: current?.entry.modelId === m.modelId ? 'current' : undefined, 'data-model-id': m.modelId },
      h('td', {}, h('button', { type: 'button', class: 'name', onclick: () => openModel(m.modelId).catch(fail) }, m.name)),
      h('td', {}, m.tags.join(', ')),
      h('td', {}, latent[m.modelId] == null ? '…' : String(latent[m.modelId])),
      h('td', {}, m.hasAnalysis ? String(m.nActiveComponents) : '–'),
      h('td', {}, String(m.trainingEpochs)),
      h('td', {}, fmtBytes(m.fileSizeBytes)),
      h('td', {}, fmtDate(m.saveDate)),
      h('td', {}, h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${m.name}`, onclick: () => confirmDelete(m) }, 'Delete')),
    ),
  );
  $('models').querySelector('tbody')!.replaceChildren(...rows);
  $('empty').hidden = shown.length > 0;
}

function confirmDelete(m: Entry): void {
  const dlg = $<HTMLDialogElement>('confirm');
  $('confirm-text').textContent = `Delete "${m.name}"? Its file and catalog entry are removed.`;
  $('confirm-yes').onclick = async () => {
    dlg.close();
    try {
      await api('DELETE', `/api/models/${encodeURIComponent(m.modelId)}`);
      if (current?.entry.modelId === m.modelId) { current = null; $('model').hidden = true; }
      status(`Deleted ${m.name}.`);
      await loadLibrary();
    } catch (e) { fail(e); }
  };
  $('confirm-no').onclick = () => dlg.close();
  dlg.showModal();
}

async function upload(file: File): Promise<void> {
  status(`Adding ${file.name}…`);
  try {
    const r = await api<{ name: string; via: string }>('PUT', `/api/models/upload?name=${encodeURIComponent(file.name)}`, undefined, file);
    status(`Added ${r.name}${r.via === 'checkpoint' ? ' (converted from a checkpoint)' : ''}.`);
    await loadLibrary();
  } catch (e) { fail(e); }
}

// ---------------------------------------------------------------- model

let positions: number[] = [];

async function openModel(id: string): Promise<void> {
  current = await api<Details>('GET', `/api/models/${encodeURIComponent(id)}`);
  const e = current.entry;
  $('model').hidden = false;
  $('model-h').textContent = e.name;
  const meta: Array<[string, string]> = [
    ['Description', e.description || '–'], ['Tags', e.tags.join(', ') || '–'], ['Latent size', String(current.latentDim)],
    ['Format', current.format], ['Dataset', `${e.datasetName || '–'} (${e.datasetFileCount} files, ${e.datasetTotalDurationS} s)`],
    ['Epochs', String(e.trainingEpochs)], ['Loss', `train ${e.finalTrainLoss.toFixed(3)}, val ${e.finalValLoss.toFixed(3)}`],
    ['Trained', fmtDate(e.trainingDate) || '–'], ['Saved', fmtDate(e.saveDate)], ['File', `${e.filePath} (${fmtBytes(e.fileSizeBytes)})`],
  ];
  $('meta').replaceChildren(...meta.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  $('configs').textContent = JSON.stringify({ spectrogram: current.spectrogram, trainingConfig: current.trainingConfig }, null, 2);
  positions = [...current.center];
  renderSliders();
  renderLibrary();
  await loadPresets();
}

function zoneGradient(s: Slider): string {
  // The track coloured as the Python app explains it: safe range green, warning range amber, beyond red.
  const span = s.maxStep - s.minStep || 1;
  const at = (v: number) => `${(((v - s.minStep) / span) * 100).toFixed(1)}%`;
  return `linear-gradient(to right, var(--bad) 0 ${at(s.warningMinStep)}, var(--warn) ${at(s.warningMinStep)} ${at(s.safeMinStep)}, var(--safe) ${at(s.safeMinStep)} ${at(s.safeMaxStep)}, var(--warn) ${at(s.safeMaxStep)} ${at(s.warningMaxStep)}, var(--bad) ${at(s.warningMaxStep)} 100%)`;
}

function renderSliders(): void {
  const sliders = current?.sliders ?? [];
  $('no-sliders').hidden = sliders.length > 0;
  $('randomize').toggleAttribute('disabled', sliders.length === 0);
  $('center').toggleAttribute('disabled', sliders.length === 0);
  $('sliders').replaceChildren(...sliders.map((s) => {
    const out = h('output', {}, String(positions[s.index]));
    // Set through the CSSOM: the page's CSP forbids style attributes.
    const zones = h('div', { class: 'zones' });
    zones.style.background = zoneGradient(s);
    const row = h('div', { class: 'slider' });
    const input = h('input', {
      type: 'range', min: s.minStep, max: s.maxStep, step: 1, value: positions[s.index],
      'aria-label': s.label, 'aria-valuemin': s.minStep, 'aria-valuemax': s.maxStep, 'aria-valuenow': positions[s.index],
      'aria-describedby': `zone-${s.index}`, 'data-index': s.index,
      title: `${s.suggestedLabel} · ${s.varianceExplainedPct.toFixed(1)}% of variance`,
    }) as HTMLInputElement;
    const update = () => {
      const v = Number(input.value);
      positions[s.index] = v;
      input.setAttribute('aria-valuenow', String(v));
      out.textContent = String(v);
      row.classList.toggle('warning', v < s.safeMinStep || v > s.safeMaxStep);
    };
    input.addEventListener('input', update);
    row.append(
      h('label', { for: `slider-${s.index}` }, s.label), input, out,
      zones,
      h('span', { id: `zone-${s.index}`, class: 'muted', hidden: true }, `safe ${s.safeMinStep} to ${s.safeMaxStep}, warning ${s.warningMinStep} to ${s.warningMaxStep}`),
    );
    input.id = `slider-${s.index}`;
    update();
    return row;
  }));
}

let presets: Preset[] = [];
async function loadPresets(): Promise<void> {
  if (!current) return;
  presets = (await api<{ presets: Preset[] }>('GET', `/api/models/${encodeURIComponent(current.entry.modelId)}/presets`)).presets;
  $<HTMLSelectElement>('presets').replaceChildren(h('option', { value: '' }, '(none)'), ...presets.map((p) => h('option', { value: p.presetId }, p.folder ? `${p.folder} / ${p.name}` : p.name)));
}

function applyPreset(p: Preset): void {
  const n = current?.sliders.length ?? 0;
  // Presets store positions per active component; a preset of another size fills what it can.
  positions = Array.from({ length: n }, (_, i) => p.sliderPositions[i] ?? 0);
  if (p.seed !== null) $<HTMLInputElement>('seed').value = String(p.seed);
  renderSliders();
  status(p.sliderPositions.length === n ? `Preset ${p.name} applied.` : `Preset ${p.name} has ${p.sliderPositions.length} positions for ${n} sliders: applied what fits.`);
}

// ---------------------------------------------------------------- generate, queue, takes

const mine = new Set<string>();
let polling = false;

function settings(): Record<string, unknown> {
  const seed = $<HTMLInputElement>('seed').value;
  return {
    modelId: current!.entry.modelId,
    duration: Number($<HTMLInputElement>('duration').value),
    seed: seed === '' ? undefined : Number(seed),
    stereoMode: $<HTMLSelectElement>('stereo').value,
    stereoWidth: Number($<HTMLInputElement>('width').value),
    concatMode: $<HTMLSelectElement>('concat').value,
    sampleRate: Number($<HTMLSelectElement>('rate').value),
    bitDepth: $<HTMLSelectElement>('bits').value,
    sliders: current!.sliders.length ? positions : undefined,
  };
}

async function generate(): Promise<void> {
  if (!current) return;
  const job = await api<Job>('POST', '/api/jobs', settings());
  mine.add(job.id);
  status('');
  void poll();
}

async function poll(): Promise<void> {
  if (polling) return;
  polling = true;
  try {
    for (;;) {
      const { jobs } = await api<{ jobs: Job[] }>('GET', '/api/jobs');
      renderJobs(jobs);
      const active = jobs.filter((j) => j.state === 'queued' || j.state === 'rendering');
      for (const j of jobs) {
        if (!mine.has(j.id) || active.includes(j)) continue;
        mine.delete(j.id);
        if (j.state === 'failed') fail(new ApiError(j.error!.code, j.error!.message));
        if (j.state === 'cancelled') status('Cancelled.');
        if (j.state === 'done') await loadTakes();
      }
      if (active.length === 0) break;
      await new Promise((r) => setTimeout(r, 150));
    }
  } catch (e) { fail(e); } finally { polling = false; }
}

function renderJobs(jobs: Job[]): void {
  const active = jobs.filter((j) => j.state === 'queued' || j.state === 'rendering');
  $('queue-empty').hidden = active.length > 0;
  $('jobs').replaceChildren(...active.map((j) =>
    h('li', { 'data-job-id': j.id },
      `${j.modelName}, ${j.duration ?? 1} s: ${j.state} `,
      ...(j.state === 'rendering' ? [h('progress', { max: 100, value: Math.round(j.progress * 100), 'aria-label': `Rendering ${j.modelName}` })] : []),
    )));
  $<HTMLButtonElement>('cancel').disabled = !active.some((j) => mine.has(j.id));
}

async function cancelNewest(): Promise<void> {
  const { jobs } = await api<{ jobs: Job[] }>('GET', '/api/jobs');
  const pending = jobs.filter((j) => mine.has(j.id) && (j.state === 'queued' || j.state === 'rendering'));
  const last = pending[pending.length - 1];
  if (last) await api('DELETE', `/api/jobs/${last.id}`);
}

let takes: Take[] = [];
const ab: { a: Take | null; b: Take | null; playing: 'a' | 'b'; audios: HTMLAudioElement[] } = { a: null, b: null, playing: 'a', audios: [] };

async function loadTakes(): Promise<void> {
  const answer = await api<{ takes: Take[]; notice: string | null }>('GET', '/api/takes');
  takes = answer.takes;
  renderTakes();
  if (answer.notice) status(answer.notice);
}

function drawPeaks(canvas: HTMLCanvasElement, peaks: number[]): void {
  const w = (canvas.width = 600), ht = (canvas.height = 60);
  const g = canvas.getContext('2d')!;
  g.fillStyle = getComputedStyle(document.body).color;
  const cols = peaks.length / 2;
  for (let c = 0; c < cols; c++) {
    const lo = peaks[2 * c]!, hi = peaks[2 * c + 1]!;
    const y0 = ((1 - hi) / 2) * ht, y1 = ((1 - lo) / 2) * ht;
    g.fillRect((c / cols) * w, y0, Math.max(1, w / cols), Math.max(1, y1 - y0));
  }
}

function renderTakes(): void {
  const list = [...takes].reverse().map((t) => {
    const n = takes.indexOf(t) + 1;
    const canvas = h('canvas', { 'aria-label': `Waveform of take ${n}`, role: 'img' }) as HTMLCanvasElement;
    drawPeaks(canvas, t.peaks);
    const spectro = h('canvas', { 'aria-label': `Spectrogram of take ${n}`, role: 'img', class: 'spectrogram' }) as HTMLCanvasElement;
    void fetch(withToken(`/api/takes/${t.id}.wav`))
      .then((r) => r.arrayBuffer())
      .then((b) => new OfflineAudioContext(1, 1, t.sampleRate).decodeAudioData(b))
      .then((audio) => { drawSpectrogram(spectro, audio.getChannelData(0)); spectro.dataset.drawn = 'true'; })
      .catch(fail);
    const keep = h('button', { type: 'button', 'aria-label': `Keep take ${n}`, disabled: t.kept !== null, onclick: async () => {
      try { const r = await api<{ wavPath: string }>('POST', `/api/takes/${t.id}/keep`); status(`Kept take ${n}: ${r.wavPath}`); await loadTakes(); } catch (e) { fail(e); }
    } }, t.kept ? 'Kept' : 'Keep');
    return h('article', { class: 'take', 'data-take-id': t.id, 'aria-label': `Take ${n}` },
      h('div', { class: 'row' },
        h('strong', {}, `Take ${n}`),
        h('span', {}, `${t.modelName} · seed ${t.seed} · ${t.duration} s · ${t.sampleRate} Hz · ${t.channels === 2 ? 'stereo' : 'mono'} (${t.stereoMode}) · ${t.bitDepth}-bit`),
        h('span', { class: `q-${t.quality.rating}`, title: t.quality.ratingReason }, `Quality: ${t.quality.rating}`),
      ),
      canvas,
      spectro,
      h('audio', { controls: true, preload: 'auto', src: withToken(`/api/takes/${t.id}.wav`) }),
      h('div', { class: 'row' },
        h('a', { href: withToken(`/api/takes/${t.id}.wav?download=1`), download: `take_seed${t.seed}.wav` }, 'Download WAV'),
        h('a', { href: withToken(`/api/takes/${t.id}.json`), download: `take_seed${t.seed}.json` }, 'Download sidecar'),
        keep,
        h('button', { type: 'button', 'aria-label': `Use take ${n} as A`, onclick: () => setAb('a', t) }, 'A'),
        h('button', { type: 'button', 'aria-label': `Use take ${n} as B`, onclick: () => setAb('b', t) }, 'B'),
        ...(t.sliderPositions && current ? [h('button', { type: 'button', 'aria-label': `Recall settings of take ${n}`, onclick: () => { positions = [...t.sliderPositions!]; $<HTMLInputElement>('seed').value = String(t.seed); renderSliders(); } }, 'Recall')] : []),
      ),
    );
  });
  $('take-list').replaceChildren(...list);
}

function setAb(which: 'a' | 'b', t: Take): void {
  ab[which] = t;
  for (const a of ab.audios) a.pause();
  ab.audios = [];
  $('ab').hidden = !(ab.a && ab.b);
  $('ab-names').textContent = `A = seed ${ab.a?.seed ?? '–'}, B = seed ${ab.b?.seed ?? '–'}`;
}

function playAb(): void {
  if (!ab.a || !ab.b) return;
  for (const a of ab.audios) a.pause();
  // Both play in step; switching mutes one and unmutes the other, so the comparison is at the same instant.
  ab.audios = [ab.a, ab.b].map((t) => { const a = new Audio(withToken(`/api/takes/${t.id}.wav`)); a.loop = true; return a; });
  ab.audios[1]!.muted = ab.playing === 'a';
  ab.audios[0]!.muted = ab.playing === 'b';
  for (const a of ab.audios) void a.play().catch(fail);
}

function switchAb(): void {
  ab.playing = ab.playing === 'a' ? 'b' : 'a';
  if (ab.audios.length === 2) { ab.audios[0]!.muted = ab.playing === 'b'; ab.audios[1]!.muted = ab.playing === 'a'; }
  status(`Playing ${ab.playing.toUpperCase()}.`);
}

// ---------------------------------------------------------------- wiring

function wire(): void {
  for (const id of ['search', 'tag', 'sort']) $(id).addEventListener('input', renderLibrary);
  const drop = $('dropzone');
  const lib = $('library');
  lib.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  lib.addEventListener('dragleave', () => drop.classList.remove('over'));
  lib.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void upload(f);
  });
  $<HTMLInputElement>('file').addEventListener('change', (e) => { const f = (e.target as HTMLInputElement).files?.[0]; if (f) void upload(f); });
  $('repair').addEventListener('click', async () => {
    try {
      const r = await api<{ removed: string[]; added: string[]; unreadable: unknown[] }>('POST', '/api/models/repair');
      status(`Repair: ${r.added.length} added, ${r.removed.length} removed, ${r.unreadable.length} unreadable.`);
      await loadLibrary();
    } catch (e) { fail(e); }
  });
  $('randomize').addEventListener('click', async () => {
    try { positions = (await api<{ sliderPositions: number[] }>('POST', `/api/models/${encodeURIComponent(current!.entry.modelId)}/randomize`, {})).sliderPositions; renderSliders(); } catch (e) { fail(e); }
  });
  $('center').addEventListener('click', () => { positions = [...(current?.center ?? [])]; renderSliders(); });
  $('dice').addEventListener('click', () => { $<HTMLInputElement>('seed').value = String(Math.floor(Math.random() * 2 ** 31)); });
  $('apply-preset').addEventListener('click', () => { const p = presets.find((x) => x.presetId === $<HTMLSelectElement>('presets').value); if (p) applyPreset(p); });
  $('save-preset').addEventListener('click', async () => {
    const name = $<HTMLInputElement>('preset-name').value.trim();
    if (!name) { status('Give the preset a name.', true); return; }
    const seed = $<HTMLInputElement>('seed').value;
    try {
      await api('POST', `/api/models/${encodeURIComponent(current!.entry.modelId)}/presets`, { name, sliderPositions: positions, seed: seed === '' ? null : Number(seed) });
      await loadPresets();
      status(`Preset ${name} saved.`);
    } catch (e) { fail(e); }
  });
  $('generate').addEventListener('click', () => generate().catch(fail));
  $('cancel').addEventListener('click', () => cancelNewest().catch(fail));
  $('ab-play').addEventListener('click', playAb);
  $('ab-switch').addEventListener('click', switchAb);
}

async function main(): Promise<void> {
  wire();
  try {
    const info = await api<{ modelsDir: string; device: string; maxUploadBytes: number }>('GET', '/api/info');
    $('where').textContent = `${info.modelsDir} · ${info.device}`;
    $('upload-limit').textContent = `(up to ${fmtBytes(info.maxUploadBytes)})`;
    await loadLibrary();
    await loadTakes();
    void poll();
  } catch (e) { fail(e); }
}
void main();

// A module, not a script: its names stay out of the global scope (window.status and the like).
export {};
