import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

/** Runs one recipe of examples/observability/ the way a reader would, and returns its stdout. */
async function recipe(file: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['-r', 'ts-node/register', join('examples', 'observability', file)], {
    cwd: root,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    timeout: 60_000,
  });
  return stdout;
}

describe('examples/observability', function () {
  this.timeout(90_000);

  it('events-to-logs.ts writes one JSON line per event, with levels and no owner token', async function () {
    const lines = (await recipe('events-to-logs.ts')).trim().split('\n');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const count = (msg: string) => records.filter((r) => r['msg'] === msg).length;
    expect(count('lock acquiring')).to.equal(5);
    expect(count('lock acquired')).to.equal(4);
    expect(count('lock released')).to.equal(3);
    expect(count('lock timed-out')).to.equal(1);
    expect(count('lock lost')).to.equal(1);
    for (const r of records) {
      expect(r['time']).to.match(/^\d{4}-\d\d-\d\dT/);
      expect(r['owner']).to.match(/^[0-9a-f]{6}…$/);
      expect(r).to.include.keys('level', 'name', 'backend', 'key');
    }
    const lost = records.find((r) => r['msg'] === 'lock lost')!;
    expect(lost).to.include({ level: 'error', name: 'doomed' });
    expect(lost['error']).to.deep.include({ code: 'ELOCKLOST' });
    expect(lost['beforeDeadlineMs']).to.be.a('number').above(0);
    // Each acquisition's records share one owner prefix: acquiring comes first, its end last.
    const doomed = records.filter((r) => r['owner'] === lost['owner']).map((r) => r['msg']);
    expect(doomed).to.deep.equal(['lock acquiring', 'lock acquired', 'lock lost']);
  });

  it('opentelemetry.ts records the wait histogram, held gauge, lost counter and one span per hold', async function () {
    const summary = JSON.parse(await recipe('opentelemetry.ts')) as {
      grants: number;
      waitHistogram: { count: number; maxMs: number };
      heldNow: number;
      lost: number;
      timeouts: number;
      spans: Array<{ name: string; attributes: Record<string, unknown>; status: number; error?: string }>;
    };
    expect(summary.grants).to.equal(8);
    expect(summary.waitHistogram.count).to.equal(summary.grants);
    expect(summary.heldNow).to.equal(1);
    expect(summary.lost).to.equal(1);
    expect(summary.timeouts).to.equal(1);
    // Every hold but the one still open ended, each in a span.
    expect(summary.spans).to.have.length(summary.grants - 1);
    for (const span of summary.spans) {
      expect(span.name).to.equal('lock.hold');
      expect(span.attributes).to.include({ 'lock.backend': 'memory' });
      expect(span.attributes['lock.owner']).to.match(/^[0-9a-f]{6}…$/);
      expect(span.attributes['lock.held_ms']).to.be.a('number');
    }
    const failed = summary.spans.filter((s) => s.status === 2);
    expect(failed).to.have.length(1);
    expect(failed[0]!.attributes['lock.name']).to.equal('doomed');
    expect(failed[0]!.error).to.match(/reported it lost/);
    expect(summary.spans.filter((s) => s.attributes['lock.name'] === 'invoice-run')).to.have.length(6);
  });
});
