/**
 * The layers of lib/ (docs/architecture.md), enforced in CI by `npm run check:layers`: a module may import
 * from its own layer and the layers below it, never from one above, and no import cycle. Type-only imports
 * count too: a type that a lower layer needs belongs to that layer.
 */
const LAYERS = [
  // top: the public entry and the services
  ['lib/index\\.ts$', 'lib/cli/'],
  ['lib/ui/', 'lib/queue/'],
  ['lib/jobs/'],
  ['lib/generate/', 'lib/controls/'],
  ['lib/library/'],
  ['lib/model/'],
  ['lib/torchfile/', 'lib/native/'],
  ['lib/util/', 'lib/errors\\.ts$', 'lib/error-codes\\.ts$', 'lib/package-info\\.ts$'],
];

const forbidden = [
  {
    name: 'no-cycle',
    severity: 'error',
    comment: 'Modules that import each other cannot be understood, tested or moved apart.',
    from: { path: '^lib/', pathNot: '^lib/torchfile/' },
    to: { circular: true },
  },
  {
    // PyValue is a recursive type over the classes that hold values (PyDict holds PyValues, a PyValue may
    // be a PyDict), so lib/torchfile's value modules name each other's types; their code may not.
    name: 'no-runtime-cycle-in-torchfile',
    severity: 'error',
    comment: 'In lib/torchfile only type-only imports may go round in a cycle.',
    from: { path: '^lib/torchfile/' },
    to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
  },
];
LAYERS.forEach((layer, i) => {
  const above = LAYERS.slice(0, i).flat();
  if (above.length === 0) return;
  forbidden.push({
    name: `layer-${i}-imports-up`,
    severity: 'error',
    comment: `${layer.join(', ')} may import only from its own layer and those below (docs/architecture.md)`,
    from: { path: layer.map((p) => `^${p}`) },
    to: { path: above.map((p) => `^${p}`) },
  });
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|test|bench|scripts|ui)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
// Read by test/19 (every module of lib/ is in a layer); not enumerable, so not part of the configuration.
Object.defineProperty(module.exports, 'layers', { value: LAYERS, enumerable: false });
