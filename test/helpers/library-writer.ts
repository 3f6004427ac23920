/**
 * Child process of the crash-safety test: saves and deletes models in a loop until it is killed.
 * Prints `READY`, then `SAVED <id>` after each save returned, `DELETING <id>` before and `DELETED <id>`
 * after each delete (stdout to a pipe is synchronous on Linux, so a printed line is an acknowledgement).
 *
 * usage: node --import tsx library-writer.ts MODELS_DIR SEED
 */
import { deleteModel, saveModelDetailed } from '../../lib';
import { tinyStateDict } from './library-util';

async function main(): Promise<void> {
  const [dir, seedText] = process.argv.slice(2) as [string, string];
  let seed = Number(seedText);
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const mine: string[] = [];
  process.stdout.write('READY\n');
  for (let i = 0; ; i++) {
    if (mine.length > 0 && rand() < 0.3) {
      const id = mine.splice(Math.floor(rand() * mine.length), 1)[0]!;
      process.stdout.write(`DELETING ${id}\n`);
      await deleteModel(id, { modelsDir: dir });
      process.stdout.write(`DELETED ${id}\n`);
    } else {
      const { metadata } = await saveModelDetailed(tinyStateDict(i), {
        modelsDir: dir,
        checkWeights: false,
        metadata: { name: `Crash ${i % 5}`, tags: ['crash'] },
      });
      mine.push(metadata.modelId);
      process.stdout.write(`SAVED ${metadata.modelId}\n`);
    }
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
