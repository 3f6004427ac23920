// Scenarios for test/17, each run as a child process so that a crash shows as its exit status:
//   node native-lifecycle.js worker      the addon in a worker thread, then the worker terminated mid-call
//   node native-lifecycle.js exit MS     process.exit(3) MS ms after queueing calls
// Prints one JSON line of results (worker) or nothing (exit).
const crypto = require('crypto');
const path = require('path');
const { Worker, isMainThread, parentPort } = require('worker_threads');

const ROOT = path.resolve(__dirname, '../..');
const { Spectrogram, DEFAULT_SPECTROGRAM_CONFIG, numericsInfo, loadModel } = require(path.join(ROOT, 'dist'));
const MODEL = path.join(ROOT, 'test/fixtures/genuine/trained/models/genuine_trained_fixture_v1.sda');

const tone = Float32Array.from({ length: 48000 }, (_, i) => Math.sin(i / 7));

async function melHash(spec) {
  const m = await spec.melSpectrogram({ shape: [1, tone.length], data: tone });
  return crypto.createHash('sha1').update(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength)).digest('hex');
}

/** Calls that are queued or running for a while: a model load (it reads the file's JS bytes on the
 * LibTorch thread) and Griffin-Lim jobs of a second or more each. */
function inFlight(spec) {
  loadModel(MODEL, { device: 'cpu' }).catch(() => {});
  for (let i = 0; i < 3; i++) {
    const power = new Float32Array(4 * spec.nFreqs * 94).fill(1);
    spec.griffinLim({ shape: [4, spec.nFreqs, 94], data: power }, { nIter: 200 }).catch(() => {});
  }
}

const spec = new Spectrogram({ ...DEFAULT_SPECTROGRAM_CONFIG }, { device: 'cpu' });

if (!isMainThread) {
  (async () => {
    const n = await numericsInfo();
    parentPort.postMessage({ mel: await melHash(spec), mklDynamic: n.mklDynamic, mklDynamicSource: n.mklDynamicSource });
    inFlight(spec);
    parentPort.postMessage('in flight');
  })();
} else if (process.argv[2] === 'worker') {
  (async () => {
    const main = await melHash(spec);
    const worker = new Worker(__filename);
    const messages = [];
    await new Promise((resolve) => worker.on('message', (m) => messages.push(m) === 2 && resolve()));
    await worker.terminate();
    console.log(JSON.stringify({ main, worker: messages[0], after: await melHash(spec) }));
  })();
} else if (process.argv[2] === 'exit') {
  (async () => {
    await melHash(spec);
    inFlight(spec);
    setTimeout(() => process.exit(3), Number(process.argv[3]));
  })();
} else {
  console.error('usage: native-lifecycle.js worker | exit MS');
  process.exit(2);
}
