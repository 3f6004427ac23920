/**
 * The model library on a directory of 1,000 models: repairIndex (cataloging them from their metadata),
 * listAll / search / get on the 1,000-entry catalog, one catalog write, one save and one delete. JSON out.
 *   npm run bench:library [-- <models>]
 *
 * The models are generated copies of the genuine trained model's dict (same 57 state-dict keys, the real
 * latent analysis and training config with its Enum, distinct metadata) with 1-element tensors, so the
 * directory stays small while what the catalog reads (zip directory + pickle) is full-size.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ModelLibrary, deleteModel, saveModelDetailed } from '../lib';
import { PyDict, PyOrderedDict, TorchTensor, asTensor, readTorchFile, writeTorchFileSync } from '../lib/torchfile';
import { TRAINED_SDA } from './paths';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sda-bench-library-'));
  try {
    const { value } = await readTorchFile(TRAINED_SDA, { storages: 'skip' });
    const src = value as PyDict;
    const sd = src.get('model_state_dict') as PyOrderedDict;
    const small = new PyOrderedDict();
    small.states = sd.states;
    for (const [k, v] of sd.entries()) {
      const t = asTensor(v)!;
      small.set(k, t.dtype === 'int64' ? TorchTensor.fromTypedArray('int64', [], new BigInt64Array([32n])) : TorchTensor.fromTypedArray('float32', [1], new Float32Array([0.5])));
    }
    const metadata = src.get('metadata') as PyDict;
    const [generateMs] = await time(() => {
      for (let i = 0; i < n; i++) {
        const md = new PyDict(metadata.entries());
        md.set('model_id', randomUUID());
        md.set('name', `Bench Model ${i}`);
        md.set('description', i % 10 === 0 ? 'a drum loop model' : 'an ambient texture model');
        md.set('tags', i % 3 === 0 ? ['drums', 'bench'] : ['ambient', 'bench']);
        md.set('save_date', new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace('Z', '000+00:00'));
        const d = new PyDict(src.entries());
        d.set('model_state_dict', small);
        d.set('metadata', md);
        writeTorchFileSync(path.join(dir, `bench_model_${i}.sda`), d);
      }
    });
    const fileBytes = fs.statSync(path.join(dir, 'bench_model_0.sda')).size;
    const lib = new ModelLibrary(dir);
    const [repairAddMs, repaired] = await time(() => lib.repairIndex());
    const [repairNoopMs] = await time(() => lib.repairIndex());
    const [listAllColdMs, all] = await time(() => new ModelLibrary(dir).listAll());
    const warm: number[] = [];
    const query: number[] = [];
    const tags: number[] = [];
    const get: number[] = [];
    let hits = 0;
    for (let i = 0; i < 20; i++) {
      warm.push((await time(() => lib.listAll()))[0]);
      const [tq, rq] = await time(() => lib.search({ query: 'DRUM', sortBy: 'name', reverse: false }));
      query.push(tq);
      hits = rq.length;
      tags.push((await time(() => lib.search({ tags: ['Ambient'] })))[0]);
      get.push((await time(() => lib.get(all[i * 7]!.modelId)))[0]);
    }
    const [addEntryMs] = await time(() => lib.addEntry({ ...all[0]!, modelId: 'bench-extra', filePath: 'bench_extra.sda' }));
    const [removeMs] = await time(() => lib.remove('bench-extra'));
    const [saveModelMs, saved] = await time(() => saveModelDetailed(TRAINED_SDA, { modelsDir: dir, metadata: { name: 'Bench Save' } }));
    const [deleteModelMs] = await time(() => deleteModel(saved.metadata.modelId, { modelsDir: dir }));
    const out = {
      bench: 'library',
      models: n,
      modelFileBytes: fileBytes,
      indexBytes: fs.statSync(lib.indexPath).size,
      generateMs: Math.round(generateMs),
      repairIndexAddAllMs: +repairAddMs.toFixed(1),
      repairIndexAdded: repaired.added.length,
      repairIndexNothingToDoMs: +repairNoopMs.toFixed(1),
      listAllColdMs: +listAllColdMs.toFixed(2),
      listAllWarmMedianMs: +median(warm).toFixed(3),
      searchQueryMedianMs: +median(query).toFixed(3),
      searchQueryHits: hits,
      searchTagsMedianMs: +median(tags).toFixed(3),
      getMedianMs: +median(get).toFixed(4),
      addEntryMs: +addEntryMs.toFixed(2),
      removeMs: +removeMs.toFixed(2),
      saveModelTrained12MBMs: +saveModelMs.toFixed(1),
      deleteModelMs: +deleteModelMs.toFixed(2),
      node: process.version,
      cpus: os.cpus().length,
    };
    console.log(JSON.stringify(out, null, 2));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
