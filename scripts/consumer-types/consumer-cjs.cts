// The same package from a CommonJS module (node16/nodenext only): require-style imports of both entries.
import sda = require('small-dataset-audio');
import queue = require('small-dataset-audio/queue');

export async function main(): Promise<void> {
  const pipeline = new sda.GenerationPipeline(await sda.loadModel(sda.demoModelPath));
  const options: sda.GenerationOptions = { duration: 1, seed: 7 };
  const result = await pipeline.generate(options);
  await pipeline.export(result, 'out');
  pipeline.dispose();
  const ids = await queue.enqueueJobs([{ output: 'a.wav' }], { connection: 'redis://127.0.0.1:6379/0' });
  console.log(ids.length, sda.listDevices().length);
}
