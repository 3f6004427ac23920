/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (The page-side callbacks run in the browser: DOM types for them.)
/**
 * `sda ui` timings, as a user meets them, in Debian's Chromium (playwright-core). JSON out.
 *   npm run bench:ui [-- <models>]
 *
 * - startToFirstPaintMs: from spawning `sda ui` to the page's first paint, with 1,000 models in the
 *   catalog (each a hard link to the genuine trained model, so every file is a real model);
 *   startToListMs: to every model row on screen; latentSizesMs: to the last latent size filled in.
 * - generateToFirstSoundMs: from clicking "Generate" (10 s, CPU) to the take's audio element playing
 *   (`playing` event; play() is called as soon as the element appears). renderMs: the server's part.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';
import { ModelLibrary } from '../lib';
import { ROOT, TRAINED_SDA } from './paths';

const CHROMIUM = process.env.SDA_CHROMIUM ?? '/usr/bin/chromium';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1000);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`bench:ui needs Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-bench-ui-'));
  const modelsDir = path.join(root, 'models');
  fs.mkdirSync(modelsDir);
  const size = fs.statSync(TRAINED_SDA).size;
  const library = new ModelLibrary(modelsDir);
  const first = { name: '', id: '' };
  await library.transaction((tx) => {
    for (let i = 0; i < n; i++) {
      const file = `model_${String(i).padStart(4, '0')}.sda`;
      fs.linkSync(TRAINED_SDA, path.join(modelsDir, file));
      const modelId = randomUUID();
      const name = `Bench model ${i}`;
      if (i === 0) Object.assign(first, { name, id: modelId });
      tx.put({
        modelId, name, description: 'hard link to the genuine trained model', filePath: file, fileSizeBytes: size,
        datasetName: 'bench', datasetFileCount: 12, datasetTotalDurationS: 36, trainingDate: '2026-11-26T23:57:12.067299+00:00',
        saveDate: `2026-11-26T23:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000000+00:00`,
        trainingEpochs: 16, finalTrainLoss: 38, finalValLoss: 39, hasAnalysis: true, nActiveComponents: 19, tags: [`tag${i % 7}`],
      });
    }
  });

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Autoplay without a gesture: the bench calls play() itself when the take appears.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  const page = await browser.newPage();
  await page.goto('about:blank');

  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/cli/sda.js'), 'ui', '--models-dir', modelsDir, '--device', 'cpu', '--out', path.join(root, 'kept')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (c) => reject(new Error(`sda ui exited ${c}`)));
  });
  const urlAt = Date.now();
  try {
    await page.goto(url);
    await page.waitForFunction((count) => document.querySelectorAll('#models tbody tr').length === count, n, { timeout: 120_000, polling: 'raf' });
    const listAt = Date.now();
    const paint = await page.evaluate(() => {
      const fp = performance.getEntriesByName('first-paint')[0] ?? performance.getEntriesByName('first-contentful-paint')[0];
      return fp ? performance.timeOrigin + fp.startTime : null;
    });
    await page.waitForFunction(() => [...document.querySelectorAll('#models tbody td:nth-child(3)')].every((td) => td.textContent !== '…'), undefined, { timeout: 300_000 });
    const latentAt = Date.now();

    await page.getByRole('button', { name: first.name, exact: true }).click();
    await page.getByRole('slider').first().waitFor();
    await page.getByRole('spinbutton', { name: 'Duration (s)', exact: true }).fill('10');
    await page.getByRole('spinbutton', { name: 'Seed', exact: true }).fill('1');
    // A warm-up render loads the model (as a user's first take would); the timed one is the second.
    const timeTake = async () => {
      await page.evaluate(() => {
        const w = window as unknown as { __sound: Promise<number> };
        w.__sound = new Promise((resolve) => {
          const seen = new Set(document.querySelectorAll('audio'));
          new MutationObserver((_m, obs) => {
            const fresh = [...document.querySelectorAll('audio')].find((a) => !seen.has(a));
            if (!fresh) return;
            obs.disconnect();
            fresh.addEventListener('playing', () => resolve(performance.now()), { once: true });
            void fresh.play();
          }).observe(document.body, { childList: true, subtree: true });
        });
      });
      const clickAt = await page.evaluate(() => performance.now());
      await page.getByRole('button', { name: 'Generate' }).click();
      const soundAt = await page.evaluate(() => (window as unknown as { __sound: Promise<number> }).__sound);
      return soundAt - clickAt;
    };
    const coldFirstSoundMs = await timeTake();
    const generateToFirstSoundMs = await timeTake();
    console.log(
      JSON.stringify(
        {
          models: n,
          device: 'cpu',
          cpus: os.cpus().length,
          startToUrlMs: urlAt - spawnedAt,
          startToFirstPaintMs: paint === null ? null : Math.round(paint - spawnedAt),
          startToListMs: listAt - spawnedAt,
          startToLatentSizesMs: latentAt - spawnedAt,
          takeSeconds: 10,
          generateToFirstSoundMs: Math.round(generateToFirstSoundMs),
          coldGenerateToFirstSoundMs: Math.round(coldFirstSoundMs),
        },
        null,
        2,
      ),
    );
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
