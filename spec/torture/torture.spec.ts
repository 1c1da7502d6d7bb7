/**
 * The short torture run inside `npm test`: every scenario of spec/torture on every backend,
 * reduced in size (the long run: `ts-node --transpile-only spec/torture/run.ts --long`).
 * Prints the figures table at the end.
 */
import { expect } from 'chai';
import type { BackendKind } from './clients';
import { runScenario, scenariosFor } from './plan';
import { failures, negativeLeads, table } from './report';
import { untyped, type Figures } from './scenarios';
import { available, startBackend, type TortureBackend } from './servers';

const rows: Figures[] = [];

describe('torture (short) @integration', function () {
  this.timeout(60_000);

  after(() => {
    if (rows.length) console.log(`\n${table(rows)}\n`);
  });

  for (const kind of ['memory', 'redis', 'memcached', 'etcd'] as BackendKind[]) {
    describe(kind, () => {
      let backend: TortureBackend | undefined;
      before(async function () {
        this.timeout(30_000);
        if (!available(kind)) this.skip();
        backend = await startBackend(kind);
      });
      after(async () => {
        await backend?.close();
      });

      for (const scenario of scenariosFor(kind)) {
        it(scenario, async () => {
          const f = await runScenario(backend!, scenario, 'short');
          rows.push(f);
          const problems = failures([f]);
          expect(f.overlaps, problems.join('\n')).to.equal(0);
          expect(f.fencingViolations, problems.join('\n')).to.equal(0);
          expect(f.lateGrants, problems.join('\n')).to.equal(0);
          expect(negativeLeads(f), problems.join('\n')).to.deep.equal([]);
          expect(f.killEarliness.filter((x) => x > 0), problems.join('\n')).to.deep.equal([]);
          expect(f.leakedKeys, problems.join('\n')).to.equal(0);
          expect(f.badInputFailures).to.deep.equal([]);
          expect(untyped(f), problems.join('\n')).to.equal(0);
          expect(f.workerFailures).to.deep.equal([]);
          if (scenario === 'contention' || scenario === 'stall') expect(f.grants, 'no grants: the scenario tested nothing').to.be.greaterThan(20);
          if (scenario === 'lead') expect(f.leads.length, 'no lead-time trial completed').to.be.greaterThan(0);
        });
      }
    });
  }
});
