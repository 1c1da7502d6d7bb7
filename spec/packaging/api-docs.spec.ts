/**
 * The API reference as `npm run docs` builds it (typedoc.json: validation warnings are errors,
 * so an undocumented export or a broken `{@link}` fails the build), plus what typedoc does
 * not check: every entry of the exports map is documented, and every export has an example.
 */
import { expect } from 'chai';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');

interface Comment {
  blockTags?: Array<{ tag: string }>;
}
interface Reflection {
  id: number;
  name: string;
  variant?: string;
  /** For a re-export of a symbol documented elsewhere (another entry): the declaration's id. */
  target?: number;
  comment?: Comment;
  signatures?: Array<{ comment?: Comment }>;
  children?: Reflection[];
}

const hasExample = (r: Reflection): boolean =>
  [r.comment, ...(r.signatures ?? []).map((s) => s.comment)].some((c) => c?.blockTags?.some((t) => t.tag === '@example'));

describe('API reference (typedoc)', function () {
  this.timeout(180_000);
  let out: string;
  let project: Reflection;
  let build: SpawnSyncReturns<string>;

  before(() => {
    out = mkdtempSync(join(tmpdir(), 'sherlock-rx-docs-'));
    build = spawnSync('npx', ['typedoc', '--out', join(out, 'html'), '--json', join(out, 'api.json')], { cwd: root, encoding: 'utf8' });
    if (build.status === 0) project = JSON.parse(readFileSync(join(out, 'api.json'), 'utf8')) as Reflection;
  });

  after(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('builds with no warning: no undocumented export, no broken link', () => {
    // typedoc's output says what is undocumented or broken.
    expect(build.status, `${build.stdout}${build.stderr}`).to.equal(0);
  });

  it('documents every entry of the exports map', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const config = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as { entryPoints: string[] };
    const fromExports = Object.keys(pkg.exports)
      .filter((k) => k !== './package.json')
      .map((k) => (k === '.' ? 'lib/index.ts' : `lib/entries/${k.slice(2)}.ts`))
      .sort();
    expect([...config.entryPoints].sort()).to.deep.equal(fromExports);
    expect(project, 'typedoc failed').to.not.equal(undefined);
    expect(project.children?.map((m) => m.name).sort()).to.deep.equal(fromExports.map((f) => f.replace(/^lib\//, '').replace(/\.ts$/, '')));
  });

  it('has an example for every export', () => {
    expect(project, 'typedoc failed').to.not.equal(undefined);
    const exports = (project.children ?? []).flatMap((m) => (m.children ?? []).map((r) => ({ entry: m.name, r })));
    expect(exports.length).to.be.greaterThan(40);
    const byId = new Map(exports.map(({ r }) => [r.id, r]));
    // A symbol exported by several entries is documented once; the others refer to it.
    const declaration = (r: Reflection): Reflection | undefined => (r.variant === 'reference' ? byId.get(r.target!) : r);
    const missing = exports.filter(({ r }) => !hasExample(declaration(r) ?? r)).map(({ entry, r }) => `${entry}: ${r.name}`);
    expect(missing, 'exports without an @example').to.deep.equal([]);
  });
});
