// The addon in a worker thread, and environments that go away with native calls in flight: a worker
// terminated mid-call and a process exiting mid-call end cleanly, and the process's other work goes on
// (native/torch_call.h). The scenarios are test/helpers/native-lifecycle.js, run as child processes, so
// that a crash is seen as an exit status.
import { spawnSync } from 'child_process';
import * as path from 'path';

const SCRIPT = path.join(__dirname, 'helpers/native-lifecycle.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

test('17.1 a worker thread loads the addon: the same results, MKL settled there too; terminated mid-call, the process goes on', () => {
  const r = run('worker');
  expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  const out = JSON.parse(r.stdout);
  expect(out.worker.mel).toBe(out.main);
  expect(out.after).toBe(out.main);
  // A worker's process.env is a copy too: the setting must be made where MKL reads it.
  if (out.worker.mklDynamic !== null && process.env.MKL_DYNAMIC === undefined) {
    expect([out.worker.mklDynamic, out.worker.mklDynamicSource]).toEqual([false, 'addon']);
  }
});

test.each(['0', '20', '300'])('17.2 process.exit %s ms after queueing a model load and Griffin-Lim jobs: exits with its code, no crash', (delay) => {
  expect(run('exit', delay)).toEqual({ status: 3, signal: null, stdout: '', stderr: '' });
});
