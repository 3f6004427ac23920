/**
 * Test files are test/NN.topic.test.ts, numbered by area (better-sqlite3 style), each number used once:
 * 0x the package's surface (its entries, the error table), 1x foundation and native, 2x torchfile, 3x model, 4x library and controls, 5x and 6x generate (two
 * decades: it has more files than one holds), 7x ui, 8x cli, 9x queue. Each test's title starts with an
 * ID NN.k of its file's number (or its describe block's title does), so "test/57.3" names one test.
 * Helpers live in test/helpers/.
 *
 * Tiers, one jest project each; a file is in the highest tier it needs:
 *   ts        pure TypeScript: no addon, no Python, no service (its CLI tests run the compiled dist/)
 *   addon     loads the native addon and LibTorch, in the test process or in a child it starts (15 also
 *             builds the addon: cmake, g++, and node-gyp's python3)
 *   python    also runs python3 (torch, numpy, scipy, the apps' own code) to compare with
 *   services  also starts redis-server (test/helpers/redis.ts) or Chromium (test/helpers/browser.ts)
 * `npm test` runs every project, so every file once; `npm run test:ts` (test:addon, test:python,
 * test:services) runs one tier. test/18.test-layout checks the numbers, the IDs and this table.
 */
const TIERS = {
  ts: [
    '08.package-entries', '09.error-codes', '18.test-layout', '19.layers', '20.torchfile-read', '21.torchfile-write', '23.torchfile-safety', '24.torchfile-fuzz',
    '43.library-crash', '44.library-concurrency', '46.library-hostile', '63.options-table', '82.cli-model', '87.cli-setup-libtorch',
  ],
  addon: [
    '11.addon', '12.devices', '13.smoke', '14.cli-doctor', '15.build', '16.native-safety', '17.native-lifecycle',
    '30.model-parity', '47.library-add', '51.generate-compat', '52.generate-default', '55.generate-bounds', '58.griffin-lim',
    '59.determinism', '70.ui-server', '73.ui-hostile', '84.cli-usage', '86.cli-progress', '89.vocabulary',
  ],
  python: [
    '10.locate', '22.torchfile-interop', '25.torchfile-hostile', '31.model-errors', '32.model-api', '33.model-bounds',
    '34.model-convert-format', '40.library-catalog', '41.library-save-load', '42.library-convert', '45.controls',
    '50.spectrogram', '53.export', '54.generate-many', '56.wav-slices', '57.generate-distill', '61.spatial',
    '62.blend', '71.ui-presets', '80.cli-generate', '81.cli-batch', '83.cli-convert-inspect', '85.cli-demo-model',
    '88.cli-stop-and-outputs',
  ],
  services: ['60.export-encoded', '72.ui-browser', '90.queue-api', '91.queue-workers', '92.job-runner', '93.queue-outage'],
};

const TIMEOUT = 120000;

module.exports = {
  // jest-circus takes the timeout from here, not from the projects.
  testTimeout: TIMEOUT,
  projects: Object.entries(TIERS).map(([tier, files]) => ({
    displayName: tier,
    testEnvironment: 'node',
    roots: ['<rootDir>/test'],
    testMatch: files.map((f) => `<rootDir>/test/${f}.test.ts`),
    transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
    testTimeout: TIMEOUT,
  })),
};
