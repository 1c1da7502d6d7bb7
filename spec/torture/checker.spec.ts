import { expect } from 'chai';
import { check, killedHolderEarliness, parseLog, type HoldRecord } from './checker';
import { failures, negativeLeads } from './report';
import type { Figures } from './scenarios';

const hold = (lock: string, start: number, end: number, fence?: number, extra: Partial<HoldRecord> = {}): HoldRecord => ({
  lock, worker: 'w', start, end, fence: fence === undefined ? undefined : String(fence), ...extra,
});

describe('torture checker', () => {
  it('passes back-to-back holds of one lock and overlapping holds of different locks', () => {
    const r = check([hold('a', 0, 10, 1), hold('a', 10, 20, 2), hold('b', 5, 15, 1), hold('a', 20.001, 21, 5)]);
    expect(r.overlaps).to.have.length(0);
    expect(r.fencingViolations).to.have.length(0);
    expect(r.grants).to.equal(4);
  });

  it('flags two holds of one lock that overlap by a microsecond, whatever the log order', () => {
    const r = check([hold('a', 10, 20, 2), hold('a', 0, 10.001, 1)]);
    expect(r.overlaps).to.have.length(1);
    expect(r.overlaps[0]!.ms).to.be.closeTo(0.001, 1e-9);
  });

  it('flags a short hold inside a long one even when a later hold lies between', () => {
    const r = check([hold('a', 0, 100, 1), hold('a', 50, 60, 2), hold('a', 70, 80, 3)]);
    expect(r.overlaps).to.have.length(2);
  });

  it('flags fencing tokens that do not strictly increase in grant order (equal, lower, and beyond 2^53)', () => {
    expect(check([hold('a', 0, 1, 5), hold('a', 2, 3, 5)]).fencingViolations).to.have.length(1);
    expect(check([hold('a', 0, 1, 5), hold('a', 2, 3, 4)]).fencingViolations).to.have.length(1);
    const big = [hold('a', 0, 1), hold('a', 2, 3)];
    big[0]!.fence = '9007199254740993';
    big[1]!.fence = '9007199254740992';
    expect(check(big).fencingViolations).to.have.length(1);
  });

  it('counts a grant whose validity had passed when it was seen as late, not as an overlap', () => {
    const r = check([hold('a', 10, 8, 1, { validUntil: 8 }), hold('a', 9, 12, 2)]);
    expect(r.lateGrants).to.have.length(1);
    expect(r.overlaps).to.have.length(0);
  });

  it('measures how early the next grant came after a killed holder', () => {
    const killed = hold('a', 100, 1100, 1, { style: 'victim' });
    const records = [hold('a', 50, 60, 0), killed, hold('a', 1095, 1096, 2)];
    expect(killedHolderEarliness(records, killed, 1000, 12)).to.equal(-7);
    expect(killedHolderEarliness([killed, hold('a', 500, 501, 2)], killed, 1000, 12)).to.be.greaterThan(0);
    expect(killedHolderEarliness([killed], killed, 1000, 12)).to.equal(undefined);
  });

  it('skips the torn last line of a killed writer', () => {
    expect(parseLog('{"lock":"a","worker":"w","start":1,"end":2}\n{"lock":"a","wor')).to.have.length(1);
  });

  it('reports every kind of failure of a scenario', () => {
    const f: Figures = {
      backend: 'redis', scenario: 's', grants: 1, overlaps: 1, overlapMaxMs: 2, fencingViolations: 1, lateGrants: 1, faults: {},
      leads: [3, -0.5, -2], leadRoundTrips: [1, 0.2, 5], inconclusiveLeads: 4, killEarliness: [4], leakedKeys: 1, badInputFailures: ['x: accepted'], errors: { 'untyped:TypeError': 1 },
      workerFailures: ['w0 crashed'], runMs: 1, samples: [],
    };
    expect(failures([f])).to.have.length(10);
    expect(failures([{ ...f, inconclusiveLeads: 3 }])).to.have.length(9); // as many as measured: tolerated
  });

  it('fails a lead only when the other grant was answered before the signal', () => {
    // -0.5 with a 0.2 ms round trip: answered 0.3 ms before the signal. -2 with 5 ms: the
    // signal fired while the winning attempt was in flight, order unknown. -Infinity: never.
    expect(negativeLeads({ leads: [3, -0.5, -2, -Infinity], leadRoundTrips: [1, 0.2, 5, 0] })).to.deep.equal([-0.5, -Infinity]);
  });
});
