// A consumer's program (ESM): every public API the README shows, as a project that installed the package
// writes it. scripts/check-consumer-types.js type-checks it with `tsc --strict` against the packed tarball;
// it is never run.
import {
  loadModel, GenerationPipeline, ModelLibrary, saveModel, deleteModel, saveModelFromCheckpoint, resolveModel,
  demoModelPath, sidecarFor, getSliderInfo, slidersToLatent, randomizeSliders, readTorchFile,
  listDevices, resolveDevice, setNumThreads, doctor, numericsInfo, startUi,
  SdaError, DeviceUnavailableError, ModelNotFoundError, InvalidArgumentError,
  type GenerationConfig, type GenerationOptions, type GenerationResult, type ExportOptions, type SdaErrorCode,
} from 'small-dataset-audio';
import { enqueueJobs, startWorker, followJobs, QueueError, type QueueJob, type QueueJobStatus } from 'small-dataset-audio/queue';

export async function main(): Promise<void> {
  const { path: file } = await resolveModel('Rain pads', { modelsDir: 'data/models' });
  const loaded = await loadModel(file, { device: 'auto' });
  const demo = await loadModel(demoModelPath);
  demo.dispose();
  const pipeline = new GenerationPipeline(loaded);

  // A partial set of generation options, named by its type; the result carries the complete config.
  const options: GenerationOptions = { duration: 5, seed: 42 };
  const result: GenerationResult = await pipeline.generate(options);
  const full: GenerationConfig = result.config;
  console.log(full.duration, full.stereoMode);
  const r2 = await pipeline.generate({ duration: 4, seed: 42, stereoMode: 'mid-side' }, {
    onProgress: (p) => console.log(p.stage, p.done, p.total),
    signal: AbortSignal.timeout(60_000),
  });
  console.log(r2.quality.rating, r2.channels.length, r2.sampleRate, r2.duration);
  const { audioPath, sidecarPath } = await pipeline.export(result, 'out');
  console.log(audioPath, sidecarPath);
  const flac: ExportOptions = { format: 'flac', bitDepth: '16', tags: { title: 'Take 1' } };
  await pipeline.export(result, 'out', flac);
  await pipeline.export(result, 'out', { bitDepth: '32f', fileName: 'take_float.wav' });
  const sidecar = sidecarFor(result, { bitDepth: '16' });
  console.log(JSON.stringify(sidecar));
  const configs: GenerationOptions[] = [{ duration: 60, seed: 1 }, { duration: 60, seed: 2 }];
  for await (const { index, result: r } of pipeline.generateMany(configs)) {
    await pipeline.export(r, 'out', { fileName: `take_${index}.wav` });
  }
  const many: GenerationResult[] = await pipeline.generateBatch([{ duration: 10, seed: 1 }, { duration: 10, seed: 2 }]);
  console.log(many.length);

  if (loaded.analysis) {
    console.log(getSliderInfo(loaded.analysis));
    const positions = randomizeSliders(loaded.analysis, 123);
    positions[0] = 5;
    const latentVector = slidersToLatent(positions, loaded.analysis);
    await pipeline.export(await pipeline.generate({ duration: 2, latentVector }), 'out');
  }
  pipeline.dispose();
  {
    using scoped = new GenerationPipeline(await loadModel(demoModelPath, { device: 'cpu' }));
    await scoped.generate({ duration: 1 });
  }

  const library = new ModelLibrary('data/models');
  const found = await library.search({ query: 'pad', tags: ['ambient'] });
  await library.repairIndex();
  await saveModel('models/pads.sda', { modelsDir: 'data/models', metadata: { name: 'Pads copy' } });
  await saveModelFromCheckpoint('run/checkpoint_epoch0040.pt', { modelsDir: 'data/models', metadata: { name: 'Rain pads' } });
  await deleteModel(found[0]!.modelId, { modelsDir: 'data/models' });

  const { value, format, protocol } = await readTorchFile('model.sda', { storages: 'skip' });
  console.log(value, format, protocol);

  for (const d of listDevices()) console.log(d.id, d.type, d.name);
  console.log(resolveDevice('auto').id);
  setNumThreads(4);
  const report = doctor();
  console.log(report.ok, (await numericsInfo()).threads);

  const ui = await startUi({ modelsDir: 'data/models', port: 0 });
  console.log(ui.url);
  await ui.close();

  try {
    resolveDevice('cuda:7');
  } catch (err) {
    if (err instanceof DeviceUnavailableError) console.log(err.code, err.available);
    else if (err instanceof ModelNotFoundError || err instanceof InvalidArgumentError) console.log(err.code);
    else if (err instanceof SdaError) {
      const code: SdaErrorCode = err.code;
      console.log(code, err.message);
    }
  }

  const jobs: QueueJob[] = [{ model: 'Rain pads', output: 'a.wav', options: { duration: 4, seed: 1 } }];
  try {
    const queued = await enqueueJobs(jobs, { connection: 'redis://queue-host:6379/0', queueName: 'sda' });
    const worker = await startWorker({ connection: 'redis://queue-host:6379/0', outDir: '/mnt/renders', device: 'cuda:0', concurrency: 4 });
    const statuses: QueueJobStatus[] = await followJobs(queued, { connection: 'redis://queue-host:6379/0' });
    console.log(statuses.map((s) => s.state), worker.name);
    await worker.close();
  } catch (err) {
    if (err instanceof QueueError) console.log(err.code);
  }
}
