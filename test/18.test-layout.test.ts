// The layout that lets a test be cited by its ID (docs cite "test/57.3") and a tier be run alone: every
// test file is test/NN.topic.test.ts under a number no other file has, every test's title starts with an
// ID NN.k of its file's number (or the test sits in a describe block whose title does), no ID is declared
// twice, TypeScript under test/ outside test/helpers/ is test files only, and every test file is in
// exactly one tier of jest.config.js, none below what its source shows it needs. Nothing here is run.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { ROOT } from './helpers/paths';

/** A file under test/: its path relative to test/ (with `/`) and its text. */
interface Source {
  rel: string;
  text: string;
}

const TEST_FILE = /^(\d\d)\.[a-z0-9]+(?:-[a-z0-9]+)*\.test\.ts$/;
const ID = /^(\d\d)\.[1-9]\d*(?= |$)/;
const ID_LIKE = /^\d\d[a-z]?\.\d+[a-z]?\b/;
const DECLARERS = new Set(['test', 'it', 'describe', 'fit', 'xit', 'xtest', 'fdescribe', 'xdescribe']);

/** Every file under test/ but the git-ignored test/artifacts, relative to test/. */
function listTestTree(dir = path.join(ROOT, 'test'), rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      if (r !== 'artifacts') out.push(...listTestTree(dir, r));
    } else out.push(r);
  }
  return out.sort();
}

const isTypeScript = (rel: string) => /\.[cm]?tsx?$/.test(rel);
const isTestFile = (rel: string) => rel.endsWith('.test.ts');

/** Test files not named NN.topic.test.ts at the top of test/, and numbers used by more than one file. */
function numberProblems(rels: string[]): string[] {
  const problems: string[] = [];
  const byNumber = new Map<string, string[]>();
  for (const rel of rels.filter(isTestFile)) {
    const m = TEST_FILE.exec(rel);
    if (!m) {
      problems.push(`test/${rel}: a test file is test/NN.topic.test.ts (NN its number, topic in kebab-case)`);
      continue;
    }
    byNumber.set(m[1]!, [...(byNumber.get(m[1]!) ?? []), rel]);
  }
  for (const [n, files] of byNumber) if (files.length > 1) problems.push(`number ${n} is used by ${files.map((f) => `test/${f}`).join(' and ')}`);
  return problems;
}

/** TypeScript under test/ that is neither a test file at the top nor under test/helpers/. */
function strayProblems(rels: string[]): string[] {
  return rels
    .filter((rel) => isTypeScript(rel) && !isTestFile(rel) && !rel.startsWith('helpers/'))
    .map((rel) => `test/${rel}: not a test file; helpers go under test/helpers/`);
}

/** `test`, `it` or `describe` a call declares with (through .only, .skip, .each(...) and the like). */
function declarer(callee: ts.Expression): string | undefined {
  if (ts.isIdentifier(callee)) return DECLARERS.has(callee.text) ? callee.text : undefined;
  if (ts.isPropertyAccessExpression(callee)) return declarer(callee.expression);
  if (ts.isCallExpression(callee) && ts.isPropertyAccessExpression(callee.expression) && callee.expression.name.text === 'each') {
    return declarer(callee.expression);
  }
  if (ts.isTaggedTemplateExpression(callee)) return declarer(callee.tag);
  return undefined;
}

/** The title as written, up to its first `${...}` (undefined: not a literal). */
function titleOf(arg: ts.Expression | undefined): string | undefined {
  if (arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) return arg.text;
  if (arg && ts.isTemplateExpression(arg)) return arg.head.text;
  return undefined;
}

interface Declaration {
  where: string;
  id: string;
}

/**
 * The IDs the test files declare, and the problems: a test with no ID of its own or from a describe
 * block around it, an ID of another number, an ID inside a block that has one, a title that is not a
 * literal. Each title's ID is read where it is declared (a test.each or describe.each declares one).
 */
function idProblems(sources: Source[]): { ids: Declaration[]; problems: string[] } {
  const ids: Declaration[] = [];
  const problems: string[] = [];
  for (const { rel, text } of sources) {
    const number = TEST_FILE.exec(rel)?.[1];
    const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const visit = (node: ts.Node, inherited: string | undefined): void => {
      const kind = ts.isCallExpression(node) ? declarer(node.expression) : undefined;
      const isTable = ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'each';
      if (!ts.isCallExpression(node) || kind === undefined || isTable) {
        ts.forEachChild(node, (c) => visit(c, inherited));
        return;
      }
      const where = `test/${rel}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
      const title = titleOf(node.arguments[0]);
      const id = title === undefined ? undefined : ID.exec(title)?.[0];
      if (title === undefined) problems.push(`${where}: ${kind} title is not a string literal, so its ID cannot be checked`);
      else if (id !== undefined) {
        if (inherited !== undefined) problems.push(`${where}: ID ${id} inside describe ${inherited}: one ID per test`);
        if (id.slice(0, 2) !== number) problems.push(`${where}: ID ${id} in a file numbered ${number ?? '(none)'}`);
        ids.push({ where, id });
      } else if (inherited === undefined && !kind.endsWith('describe')) {
        const hint = ID_LIKE.test(title) ? ' (IDs are NN.k: digits only)' : '';
        problems.push(`${where}: "${title.slice(0, 60)}" does not start with an ID ${number ?? 'NN'}.k${hint}`);
      }
      ts.forEachChild(node, (c) => visit(c, id ?? inherited));
    };
    visit(sf, undefined);
  }
  return { ids, problems };
}

/** IDs declared more than once. */
function duplicateIds(ids: Declaration[]): string[] {
  const byId = new Map<string, string[]>();
  for (const { where, id } of ids) byId.set(id, [...(byId.get(id) ?? []), where]);
  return [...byId].filter(([, w]) => w.length > 1).map(([id, w]) => `ID ${id} is declared at ${w.join(' and ')}`);
}

const TIERS = ['ts', 'addon', 'python', 'services'] as const;
type Tier = (typeof TIERS)[number];

/** A jest project of jest.config.js: its tier (displayName) and its files (test/NAME.test.ts). */
interface Project {
  tier: string;
  files: string[];
}

function projectFiles(config: { projects: Array<{ displayName: string; testMatch: string[] }> }): Project[] {
  return config.projects.map((p) => ({
    tier: p.displayName,
    files: p.testMatch.map((m) => /^<rootDir>\/test\/([^/*?{}[\]]+\.test\.ts)$/.exec(m)?.[1] ?? `(not one file: ${m})`),
  }));
}

/** Test files in no tier or in several, and tier entries that name no test file. */
function tierProblems(rels: string[], projects: Project[]): string[] {
  const problems: string[] = [];
  const tested = rels.filter(isTestFile);
  for (const rel of tested) {
    const tiers = projects.filter((p) => p.files.includes(rel)).map((p) => p.tier);
    if (tiers.length !== 1) problems.push(`test/${rel} is in ${tiers.length === 0 ? 'no tier' : `the tiers ${tiers.join(' and ')}`}`);
  }
  for (const p of projects) for (const f of p.files) if (!tested.includes(f)) problems.push(`tier ${p.tier} names ${f}, which is no test file`);
  return problems;
}

/**
 * The tier a test file's own text shows it needs at least: the helpers that start a service or run
 * python3, and the calls that load the addon. A lower bound (a CLI child that loads the addon shows
 * nothing here), to catch a file that gained a need its tier does not give.
 */
function evidentTier(text: string): Tier {
  if (/\b(startRedis|launchChromium)\(/.test(text)) return 'services';
  if (/\b(runPython|checkOutputs|python)\(|['"`]python3['"`]/.test(text)) return 'python';
  if (/\b(loadModel|loadAddon|numericsInfo|listDevices|deviceMatmul)\(|\bnew (Spectrogram|TorchRng|GenerationPipeline)\(/.test(text)) return 'addon';
  return 'ts';
}

const TREE = listTestTree();
const SOURCES: Source[] = TREE.filter((rel) => isTestFile(rel)).map((rel) => ({ rel, text: fs.readFileSync(path.join(ROOT, 'test', rel), 'utf8') }));
const DECLARED = idProblems(SOURCES);
const PROJECTS = projectFiles(require(path.join(ROOT, 'jest.config.js')));

test('18.1 every test file is test/NN.topic.test.ts under a number no other file has', () => {
  expect(SOURCES.length).toBeGreaterThan(40);
  expect(numberProblems(TREE)).toEqual([]);
});

test('18.2 every test title starts with an ID NN.k of its file\'s number, or its describe block\'s does', () => {
  expect(DECLARED.ids.length).toBeGreaterThan(300);
  expect(DECLARED.problems).toEqual([]);
});

test('18.3 no ID is declared twice', () => {
  expect(duplicateIds(DECLARED.ids)).toEqual([]);
});

test('18.4 TypeScript under test/ outside test/helpers/ is test files only', () => {
  expect(strayProblems(TREE)).toEqual([]);
});

test('18.5 the checks catch what they are for', () => {
  expect(numberProblems(['57.a.test.ts', '57.b.test.ts', '5.c.test.ts', 'sub/58.d.test.ts', 'helpers/x.ts'])).toEqual([
    'test/5.c.test.ts: a test file is test/NN.topic.test.ts (NN its number, topic in kebab-case)',
    'test/sub/58.d.test.ts: a test file is test/NN.topic.test.ts (NN its number, topic in kebab-case)',
    'number 57 is used by test/57.a.test.ts and test/57.b.test.ts',
  ]);
  expect(strayProblems(['20.helpers.ts', 'helpers/a.ts', 'python/a.py', 'leak/a.js', 'fixtures/x.ts', '20.a.test.ts'])).toEqual([
    'test/20.helpers.ts: not a test file; helpers go under test/helpers/',
    'test/fixtures/x.ts: not a test file; helpers go under test/helpers/',
  ]);
  const text = [
    "test('57.1 fine', () => {});",
    "test.each([1, 2])('57.2 each %p', () => {});",
    "describe.each([1])('57.3 block %p', () => { test('inner', () => {}); test.skip('57.4 nested', () => {}); });",
    "describe('no id', () => { it('57.5 fine', () => {}); it('missing', () => {}); });",
    "test(`57.6 ${'template'}`, () => {});",
    "test('58.1 other number', () => {});",
    "test('57b.7 lettered', () => {});",
    'test(name, () => {});',
    "test.only('57.1 again', () => { expect(/x/.test('y')).toBe(false); });",
  ].join('\n');
  const { ids, problems } = idProblems([{ rel: '57.a.test.ts', text }]);
  expect(ids.map((d) => d.id)).toEqual(['57.1', '57.2', '57.3', '57.4', '57.5', '57.6', '58.1', '57.1']);
  expect(problems).toEqual([
    'test/57.a.test.ts:3: ID 57.4 inside describe 57.3: one ID per test',
    'test/57.a.test.ts:4: "missing" does not start with an ID 57.k',
    'test/57.a.test.ts:6: ID 58.1 in a file numbered 57',
    'test/57.a.test.ts:7: "57b.7 lettered" does not start with an ID 57.k (IDs are NN.k: digits only)',
    'test/57.a.test.ts:8: test title is not a string literal, so its ID cannot be checked',
  ]);
  expect(duplicateIds(ids)).toEqual(['ID 57.1 is declared at test/57.a.test.ts:1 and test/57.a.test.ts:9']);
});

test('18.6 every test file is in exactly one tier (jest project) of jest.config.js, and each tier has its npm script', () => {
  expect(PROJECTS.map((p) => p.tier)).toEqual([...TIERS]);
  expect(tierProblems(TREE, PROJECTS)).toEqual([]);
  const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
  expect(scripts.test).toBe('jest');
  for (const tier of TIERS) expect(scripts[`test:${tier}`]).toMatch(new RegExp(`\\bjest --selectProjects ${tier}$`));
});

test('18.7 no test file is in a tier below what its source shows it needs', () => {
  const tierOf = new Map(PROJECTS.flatMap((p) => p.files.map((f) => [f, p.tier] as const)));
  const below = SOURCES.filter((s) => s.rel !== path.basename(__filename))
    .map((s) => ({ file: s.rel, tier: tierOf.get(s.rel), needs: evidentTier(s.text) }))
    .filter((s) => s.tier !== undefined && TIERS.indexOf(s.tier as Tier) < TIERS.indexOf(s.needs));
  expect(below).toEqual([]);
});

test('18.8 the tier checks catch what they are for', () => {
  const projects = projectFiles({
    projects: [
      { displayName: 'ts', testMatch: ['<rootDir>/test/10.a.test.ts', '<rootDir>/test/11.b.test.ts', '<rootDir>/test/12.gone.test.ts'] },
      { displayName: 'addon', testMatch: ['<rootDir>/test/11.b.test.ts', '**/*.test.ts'] },
    ],
  });
  expect(tierProblems(['10.a.test.ts', '11.b.test.ts', '13.c.test.ts', 'helpers/x.ts'], projects)).toEqual([
    'test/11.b.test.ts is in the tiers ts and addon',
    'test/13.c.test.ts is in no tier',
    'tier ts names 12.gone.test.ts, which is no test file',
    'tier addon names (not one file: **/*.test.ts), which is no test file',
  ]);
  expect(evidentTier("const redis = await startRedis(); runPython(script, [])")).toBe('services');
  expect(evidentTier("spawnSync('python3', ['-c', '1']); await loadModel(file)")).toBe('python');
  expect(evidentTier('const spec = new Spectrogram(cfg)')).toBe('addon');
  expect(evidentTier("sda(['model', 'list']); new ModelLibrary(dir)")).toBe('ts');
});
