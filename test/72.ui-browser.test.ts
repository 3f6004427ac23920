/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The page-side callbacks (page.evaluate) run in the browser: DOM types for them.
/**
 * `sda ui` end to end in a real browser (Debian's Chromium via playwright-core) against the genuine
 * models: search and filter, open a model, move a slider with the keyboard, generate (the audio element's
 * WAV decodes, with the requested length), cancel, presets both ways with Distill's own PresetManager,
 * delete with confirmation, drop-to-add a checkpoint; no console errors on any screen. Expected values
 * come from the Python app's files (catalog, slider_info.json, the WAV header), not from our code.
 * Screenshots of each screen go to test/artifacts/ (ignored by git).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { startUi, type UiHandle } from '../lib';
import { collectErrors, launchChromium, screenshot } from './helpers/browser';
import { GENUINE, ROOT } from './helpers/paths';
import { runPython } from './helpers/python';
import { genuineUiLibrary } from './helpers/ui';

jest.setTimeout(120_000);

interface CatalogEntry { model_id: string; name: string; tags: string[]; file_path: string }
const trainedCatalog = JSON.parse(fs.readFileSync(path.join(GENUINE, 'trained/models/model_library.json'), 'utf8')) as { models: Record<string, CatalogEntry> };
const TRAINED = Object.values(trainedCatalog.models)[0]!;
const SAMPLE_ONLY = JSON.parse(fs.readFileSync(path.join(GENUINE, 'sample_only/models/model_library.json'), 'utf8')) as { models: Record<string, CatalogEntry> };
const SAMPLE = Object.values(SAMPLE_ONLY.models)[0]!;
const PY_SLIDERS = (JSON.parse(fs.readFileSync(path.join(GENUINE, 'trained/refs/slider_info.json'), 'utf8')) as {
  get_slider_info: Array<{ label: string; min_step: number; max_step: number }>;
  center_sliders_positions: number[];
}).get_slider_info;
const CENTER = (JSON.parse(fs.readFileSync(path.join(GENUINE, 'trained/refs/slider_info.json'), 'utf8')) as { center_sliders_positions: number[] }).center_sliders_positions;
const DISTILL = path.join(ROOT, 'test/python/distill_presets.py');

let ui: UiHandle;
let browser: Browser;
let page: Page;
let errors: string[];
let root: string;
let modelsDir: string;

beforeAll(async () => {
  ({ root, modelsDir } = await genuineUiLibrary());
  ui = await startUi({ modelsDir, device: 'cpu', outDir: path.join(root, 'kept') });
  browser = await launchChromium();
  page = await browser.newPage();
  errors = collectErrors(page);
  await page.goto(ui.url);
});
afterAll(async () => {
  await browser?.close();
  await ui?.close();
});

const modelButton = (name: string) => page.getByRole('button', { name, exact: true });
const takeCount = () => page.locator('article.take').count();

test('72.1 library: every model listed by name; search and tag filter narrow the list; latent sizes filled in', async () => {
  // The list is fetched by the page's script after `load`: wait for it to be drawn (fails if it never is).
  await modelButton(TRAINED.name).waitFor({ state: 'visible' });
  await modelButton(SAMPLE.name).waitFor();
  await page.getByRole('button', { name: 'Delete', exact: false }).first().waitFor();
  expect(await page.locator('#models tbody tr').count()).toBe(3);
  // Latent sizes come after the list; none left pending.
  await page.waitForFunction(() => [...document.querySelectorAll('#models tbody td:nth-child(3)')].every((td) => td.textContent !== '…'));
  await screenshot(page, 'ui-library');

  await page.getByRole('searchbox', { name: 'Search models' }).fill(SAMPLE.name.slice(0, 8));
  await modelButton(TRAINED.name).waitFor({ state: 'detached' });
  expect(await page.locator('#models tbody tr').count()).toBe(1);
  await expect(modelButton(SAMPLE.name).isVisible()).resolves.toBe(true);
  await page.getByRole('searchbox', { name: 'Search models' }).fill('');
  await modelButton(TRAINED.name).waitFor();

  const onlyTrainedTag = TRAINED.tags.find((t) => !SAMPLE.tags.includes(t))!;
  await page.getByLabel('Tag').selectOption(onlyTrainedTag);
  await modelButton(SAMPLE.name).waitFor({ state: 'detached' });
  // The list is fetched by the page's script after `load`: wait for it to be drawn (fails if it never is).
  await modelButton(TRAINED.name).waitFor({ state: 'visible' });
  await screenshot(page, 'ui-library-filtered');
  await page.getByLabel('Tag').selectOption('');
  await modelButton(SAMPLE.name).waitFor();
});

test("72.2 model: metadata, one slider per active component named by its label with the Python app's step range; the keyboard moves it", async () => {
  await modelButton(TRAINED.name).click();
  await page.getByRole('heading', { name: TRAINED.name }).waitFor();
  const sliders = page.getByRole('slider');
  await sliders.first().waitFor();
  expect(await sliders.count()).toBe(PY_SLIDERS.length);
  for (const [i, s] of PY_SLIDERS.entries()) {
    const el = page.getByRole('slider', { name: s.label, exact: true });
    expect(await el.getAttribute('aria-valuemin')).toBe(String(s.min_step));
    expect(await el.getAttribute('aria-valuemax')).toBe(String(s.max_step));
    expect(await el.getAttribute('aria-valuenow')).toBe(String(CENTER[i]));
  }
  const first = page.getByRole('slider', { name: PY_SLIDERS[0]!.label, exact: true });
  await first.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  expect(await first.getAttribute('aria-valuenow')).toBe(String(CENTER[0]! + 2));
  await page.getByRole('button', { name: 'Center' }).click();
  expect(await first.getAttribute('aria-valuenow')).toBe(String(CENTER[0]));
  await page.getByRole('button', { name: 'Randomize' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('[role=slider],input[type=range]')].some((e) => e.getAttribute('aria-valuenow') !== '0'));
  await page.getByRole('button', { name: 'Center' }).click();
  await first.focus();
  await page.keyboard.press('ArrowRight');
  await screenshot(page, 'ui-model');
});

/** The RIFF header and sample count of the WAV the page's audio element plays, fetched by the page, and its decoded length. */
async function audioFacts(index: number) {
  return page.evaluate(async (i) => {
    const audio = document.querySelectorAll('audio')[i] as HTMLAudioElement;
    const buf = await (await fetch(audio.src)).arrayBuffer();
    const v = new DataView(buf);
    const tag = (o: number) => String.fromCharCode(...new Uint8Array(buf, o, 4));
    let o = 12;
    let fmt: { channels: number; rate: number; bits: number } | null = null;
    let dataBytes = -1;
    while (o + 8 <= buf.byteLength) {
      const id = tag(o);
      const size = v.getUint32(o + 4, true);
      if (id === 'fmt ') fmt = { channels: v.getUint16(o + 10, true), rate: v.getUint32(o + 12, true), bits: v.getUint16(o + 22, true) };
      if (id === 'data') dataBytes = size;
      o += 8 + size + (size % 2);
    }
    // Decoded at the file's own rate (a context at another rate would resample it).
    const ctx = new OfflineAudioContext(1, 1, fmt?.rate ?? 48000);
    const decoded = await ctx.decodeAudioData(buf.slice(0));
    if (audio.readyState < 1) await new Promise((r) => audio.addEventListener('loadedmetadata', r, { once: true }));
    return { riff: tag(0), wave: tag(8), fmt, dataBytes, decodedLength: decoded.length, decodedRate: decoded.sampleRate, elementDuration: audio.duration };
  }, index);
}

test('72.3 generate: the take plays a WAV of the requested length, with a download link', async () => {
  await page.getByRole('spinbutton', { name: 'Duration (s)', exact: true }).fill('1');
  await page.getByRole('spinbutton', { name: 'Seed', exact: true }).fill('5');
  await page.getByLabel('Bit depth').selectOption('16');
  const before = await takeCount();
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('article.take').length === n + 1, before);
  const facts = await audioFacts(0);
  expect(facts.riff).toBe('RIFF');
  expect(facts.wave).toBe('WAVE');
  expect(facts.fmt).toEqual({ channels: 1, rate: 48000, bits: 16 });
  expect(facts.dataBytes / 2).toBe(48000); // 1 s at 48 kHz, 16-bit mono
  expect(facts.decodedLength).toBe(48000);
  expect(facts.decodedRate).toBe(48000);
  expect(facts.elementDuration).toBeCloseTo(1, 3);
  const link = page.getByRole('link', { name: 'Download WAV' }).first();
  const res = await page.evaluate(async (href) => (await fetch(href)).status, (await link.getAttribute('href'))!);
  expect(res).toBe(200);
  await page.getByText('Quality:').first().waitFor();
  await page.locator('canvas.spectrogram[data-drawn="true"]').first().waitFor();
  await screenshot(page, 'ui-take');
});

test('72.4 takes: a second take in stereo at 44.1 kHz / 24-bit has that format; A/B between the two; Keep writes the WAV and its sidecar to the output folder', async () => {
  await page.getByLabel('Stereo', { exact: true }).selectOption('mid-side');
  await page.getByLabel('Sample rate').selectOption('44100');
  await page.getByLabel('Bit depth').selectOption('24');
  await page.getByRole('spinbutton', { name: 'Seed', exact: true }).fill('6');
  const before = await takeCount();
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('article.take').length === n + 1, before);
  const facts = await audioFacts(0); // the newest take is listed first
  expect(facts.fmt).toEqual({ channels: 2, rate: 44100, bits: 24 });
  expect(facts.dataBytes / (2 * 3)).toBe(44100);
  expect(facts.decodedLength).toBe(44100);

  await page.getByRole('button', { name: 'Use take 1 as A' }).click();
  await page.getByRole('button', { name: 'Use take 2 as B' }).click();
  await page.getByRole('button', { name: 'Play A/B' }).click();
  await page.getByRole('button', { name: 'Switch A/B' }).click();
  await page.getByRole('status').filter({ hasText: 'Playing B.' }).waitFor();
  await screenshot(page, 'ui-takes-ab');

  await page.getByRole('button', { name: 'Keep take 2' }).click();
  await page.getByRole('status').filter({ hasText: 'Kept take 2:' }).waitFor();
  const kept = fs.readdirSync(path.join(root, 'kept')).sort();
  expect(kept).toHaveLength(2);
  const [json, wav] = kept;
  expect(wav).toMatch(/\.wav$/);
  expect(json).toBe(wav!.replace(/\.wav$/, '.json'));
  const sidecar = JSON.parse(fs.readFileSync(path.join(root, 'kept', json!), 'utf8')) as { seed: number; audio: { file: string; sample_rate: number; channels: number } };
  expect(sidecar.seed).toBe(6);
  expect(sidecar.audio).toMatchObject({ file: wav, sample_rate: 44100, channels: 2 });
  await page.getByLabel('Stereo', { exact: true }).selectOption('mono');
  await page.getByLabel('Sample rate').selectOption('48000');
});

test('72.5 queue and cancel: a long request shows a progress bar, a second one queues behind it, Cancel aborts them; no take is added', async () => {
  await page.getByRole('spinbutton', { name: 'Duration (s)', exact: true }).fill('60');
  const before = await takeCount();
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('progressbar').waitFor();
  await screenshot(page, 'ui-generating');
  // A second request waits its turn behind the one rendering; the page lists both, in order.
  await page.getByRole('spinbutton', { name: 'Duration (s)', exact: true }).fill('2');
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#jobs li').length === 2);
  const states = await page.locator('#jobs li').allTextContents();
  expect(states[0]).toMatch(/60 s: rendering/);
  expect(states[1]).toMatch(/2 s: queued/);
  await screenshot(page, 'ui-queue');
  // Cancel takes back the newest request first (the queued one), then the one rendering.
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#jobs li').length === 1);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('status').filter({ hasText: 'Cancelled.' }).waitFor();
  await page.getByRole('progressbar').waitFor({ state: 'detached' });
  expect(await takeCount()).toBe(before);
  await page.getByRole('spinbutton', { name: 'Duration (s)', exact: true }).fill('1');
});

test("72.6 presets: one saved in the page is in Distill's presets.json and read by Distill's PresetManager; one Distill saves is applied in the page", async () => {
  const positions = await page.getByRole('slider').evaluateAll((els) => els.map((e) => Number(e.getAttribute('aria-valuenow'))));
  const seed = Number(await page.getByRole('spinbutton', { name: 'Seed', exact: true }).inputValue());
  await page.getByLabel('Preset name').fill('From the page');
  await page.getByRole('button', { name: 'Save preset' }).click();
  await page.getByRole('status').filter({ hasText: 'Preset From the page saved.' }).waitFor();
  const presetsDir = path.join(root, 'presets');
  expect(fs.existsSync(path.join(presetsDir, TRAINED.model_id, 'presets.json'))).toBe(true);
  const read = JSON.parse(runPython(DISTILL, ['read', presetsDir, TRAINED.model_id])) as { presets: Array<{ name: string; slider_positions: number[]; n_components: number; seed: number | null }> };
  expect(read.presets).toEqual([expect.objectContaining({ name: 'From the page', slider_positions: positions, n_components: PY_SLIDERS.length, seed })]);

  const distillPositions = PY_SLIDERS.map((s, i) => (i % 3 === 0 ? s.max_step : i % 3 === 1 ? s.min_step : 0));
  runPython(DISTILL, ['save', presetsDir, TRAINED.model_id, JSON.stringify({ name: 'From Distill', slider_positions: distillPositions, n_components: distillPositions.length, seed: 99 })]);
  await modelButton(TRAINED.name).click(); // reopening the model reloads its presets
  await page.getByLabel('Preset', { exact: true }).selectOption({ label: 'From Distill' });
  await page.getByRole('button', { name: 'Apply preset' }).click();
  const applied = await page.getByRole('slider').evaluateAll((els) => els.map((e) => Number(e.getAttribute('aria-valuenow'))));
  expect(applied).toEqual(distillPositions);
  expect(await page.getByRole('spinbutton', { name: 'Seed', exact: true }).inputValue()).toBe('99');
  await screenshot(page, 'ui-presets');
});

test('72.7 delete asks first: "Keep model" keeps it, "Delete model" removes the file and the entry', async () => {
  const file = path.join(modelsDir, SAMPLE.file_path);
  await page.getByRole('button', { name: `Delete ${SAMPLE.name}` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await screenshot(page, 'ui-delete-confirm');
  await dialog.getByRole('button', { name: 'Keep model' }).click();
  await dialog.waitFor({ state: 'hidden' });
  expect(fs.existsSync(file)).toBe(true);
  await expect(modelButton(SAMPLE.name).isVisible()).resolves.toBe(true);
  await page.getByRole('button', { name: `Delete ${SAMPLE.name}` }).click();
  await dialog.getByRole('button', { name: 'Delete model' }).click();
  await modelButton(SAMPLE.name).waitFor({ state: 'detached' });
  expect(fs.existsSync(file)).toBe(false);
  const catalog = JSON.parse(fs.readFileSync(path.join(modelsDir, 'model_library.json'), 'utf8')) as { models: Record<string, unknown> };
  expect(Object.keys(catalog.models)).not.toContain(SAMPLE.model_id);
});

test('72.8 drop-to-add: a training checkpoint dropped on the library is converted and listed', async () => {
  const bytes = fs.readFileSync(path.join(GENUINE, 'checkpoint/checkpoint_epoch0007.pt'));
  const rowsBefore = await page.locator('#models tbody tr').count();
  await page.evaluate(
    ({ b64, name }) => {
      const bin = atob(b64);
      const arr = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([arr], name));
      const target = document.getElementById('dropzone')!;
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { b64: bytes.toString('base64'), name: 'checkpoint_epoch0007.pt' },
  );
  await page.getByRole('status').filter({ hasText: 'converted from a checkpoint' }).waitFor();
  await page.waitForFunction((n) => document.querySelectorAll('#models tbody tr').length === n + 1, rowsBefore);
  await expect(modelButton('checkpoint_epoch0007').isVisible()).resolves.toBe(true);
  await screenshot(page, 'ui-added');
});

test('72.9 repair: a model file removed behind the server\'s back is dropped from the catalog and the list', async () => {
  const rowsBefore = await page.locator('#models tbody tr').count();
  fs.rmSync(path.join(modelsDir, TRAINED.file_path));
  await page.getByRole('button', { name: 'Repair library' }).click();
  await page.getByRole('status').filter({ hasText: 'Repair: 0 added, 1 removed' }).waitFor();
  await modelButton(TRAINED.name).waitFor({ state: 'detached' });
  expect(await page.locator('#models tbody tr').count()).toBe(rowsBefore - 1);
});

test('72.10 no console errors or uncaught page errors on any screen', () => {
  expect(errors).toEqual([]);
});
