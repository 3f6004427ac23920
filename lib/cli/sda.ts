#!/usr/bin/env node
import { runCli } from './program';
import { installStopHandlers } from './stop';

// Before anything runs: Ctrl-C and a closed stdout must stop the command cleanly (lib/cli/stop.ts).
installStopHandlers();
runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
