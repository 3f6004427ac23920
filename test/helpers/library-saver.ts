/**
 * Child process of the concurrency test: N saves of models all named alike into one directory.
 * Prints `SAVED <id> <file name>` per save.
 *
 * usage: node --import tsx library-saver.ts MODELS_DIR N TAG
 */
import * as path from 'path';
import { saveModelDetailed } from '../../lib';
import { tinyStateDict } from './library-util';

async function main(): Promise<void> {
  const [dir, n, tag] = process.argv.slice(2) as [string, string, string];
  for (let i = 0; i < Number(n); i++) {
    const saved = await saveModelDetailed(tinyStateDict(i), {
      modelsDir: dir,
      checkWeights: false,
      metadata: { name: 'Same Name', description: `process ${tag} save ${i}`, tags: [`p${tag}`] },
    });
    process.stdout.write(`SAVED ${saved.metadata.modelId} ${path.basename(saved.path)}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
