/** A short seeded fuzz run (the long one is `npm run fuzz -- <cases>`): only TorchFileError may escape. */
import { runFuzz } from '../scripts/fuzz-torchfile';

test('24.1 fuzz: seeded mutations of genuine and generated files and random opcode streams', () => {
  const rep = runFuzz({ cases: 6000, seed: 20240601 });
  expect(rep.failureSamples).toEqual([]);
  expect(rep.failures).toBe(0);
  expect(rep.slowCases).toBe(0);
  expect(rep.cases).toBe(6000);
  expect(rep.torchFileErrors).toBeGreaterThan(1000);
  expect(rep.ok).toBeGreaterThan(50);
  for (const k of ['genuine', 'mini', 'opcodes-zip', 'opcodes-raw']) expect(rep.byKind[k]).toBeGreaterThan(100);
});
