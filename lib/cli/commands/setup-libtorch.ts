/**
 * `sda setup-libtorch`: fills the user cache's LibTorch (one per machine and wheel, shared by every
 * project) from the torch wheel pip serves and records it for this package, as `npm run setup-libtorch`
 * does in a clone. Install errors point here because a user's own project cannot run this package's npm
 * scripts.
 */
import * as path from 'path';
import type { Command } from 'commander';
import { packageRoot } from '../../package-info';
import { CliError, usageError } from '../cli-error';
import { EXIT_OK } from '../exit-codes';
import { printJson } from '../output';

interface SetupFlags {
  spec?: string;
  python?: string;
  json?: boolean;
}

interface Location {
  root: string;
  version: string;
  foundBy: string;
}

// The install-time scripts are plain JavaScript shipped in the package (they run before TypeScript is
// compiled), so they are loaded from the package root rather than imported.
interface FetchScript {
  setupLibtorch(
    root: string,
    options: { spec?: string; python?: string; log?: (m: string) => void; onProgress?: (p: unknown) => void },
  ): Location;
  progressPrinter(stream: NodeJS.WriteStream, prefix: string): (p: unknown) => void;
}

function fetchScript(): FetchScript {
  return require(path.join(packageRoot(), 'scripts', 'fetch-libtorch.js')) as FetchScript;
}

export function registerSetupLibtorch(program: Command): void {
  program
    .command('setup-libtorch')
    .description('download LibTorch once into the user cache (from the torch wheel pip serves), then record it for this package')
    .option('--spec <pip-spec>', 'the torch wheel to take LibTorch from (default: $SDA_TORCH_PIP_SPEC, else torch==2.13.0+cpu)')
    .option('--python <exe>', 'the Python whose pip downloads it (default: $SDA_PYTHON, else python3)')
    .option('--json', 'print the recorded location as JSON')
    .addHelpText(
      'after',
      `
Needs python3 with pip and about 190 MB of download; about 480 MB is unpacked, once per machine, into
$SDA_LIBTORCH_CACHE, else $XDG_CACHE_HOME/small-dataset-audio/libtorch, else
~/.cache/small-dataset-audio/libtorch (nothing is downloaded when it is already there). Afterwards
rebuild the addon against it:
  $ npx sda setup-libtorch && npm rebuild small-dataset-audio

Examples:
  $ sda setup-libtorch
  $ sda setup-libtorch --spec torch==2.13.0 --python python3.11

Exit code 0 when LibTorch is ready, 1 when the download or extraction failed, 2 on bad usage.`,
    )
    .action((flags: SetupFlags) => {
      // Only a torch wheel carries LibTorch; anything else would download for nothing.
      if (flags.spec !== undefined && !/^torch([=<>~!].*)?$/.test(flags.spec.trim())) {
        throw usageError(`--spec must name the torch package (for example torch==2.13.0+cpu), not '${flags.spec}'`);
      }
      const script = fetchScript();
      let loc: Location;
      try {
        loc = script.setupLibtorch(packageRoot(), {
          // Unset, the script's own defaults apply ($SDA_TORCH_PIP_SPEC or the pinned wheel; $SDA_PYTHON or python3).
          spec: flags.spec?.trim() || undefined,
          python: flags.python || undefined,
          log: (m) => process.stderr.write(`${m}\n`),
          onProgress: script.progressPrinter(process.stderr, ''),
        });
      } catch (err) {
        throw new CliError('ERR_SDA_LIBTORCH_NOT_FOUND', `setting up LibTorch failed: ${(err as Error).message}`);
      }
      if (flags.json) printJson({ libtorch: loc, next: 'npm rebuild small-dataset-audio' });
      else {
        process.stdout.write(`LibTorch ${loc.version} ready at ${loc.root}\n`);
        process.stdout.write('Now rebuild the addon against it: npm rebuild small-dataset-audio\n');
      }
      process.exitCode = EXIT_OK;
    });
}
