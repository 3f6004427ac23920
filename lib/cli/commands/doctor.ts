import type { Command } from 'commander';
import { doctor, formatDoctorReport } from '../../native/doctor';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('show the package version, the LibTorch in use and how it was found, the addon and the devices')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ sda doctor\n  $ sda doctor --json | jq .libtorch.version\n\nExit code 0 when everything works, 1 when a problem was found.',
    )
    .action((opts: { json?: boolean }) => {
      const report = doctor();
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctorReport(report)}\n`);
      process.exitCode = report.ok ? EXIT_OK : EXIT_FAILURE;
    });
}
