import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import { Contender, type ContenderContext } from '../../../lib/backends/etcd/contender';
import { DeleteBatcher } from '../../../lib/backends/etcd/delete-batcher';
import { RequestGate } from '../../../lib/backends/etcd/request-gate';
import { SessionPool } from '../../../lib/backends/etcd/session-pool';
import { eventually } from '../../support/async';
import { newTarget, otherOwner, rawContenders, runPrefix, useEtcd } from './support';

describe('etcd contender states @integration', function () {
  this.timeout(20_000);
  const etcd = useEtcd();
  const ns = runPrefix();
  let client: Etcd3;
  let ctx: ContenderContext;

  beforeEach(function () {
    client = etcd.client();
    const gate = new RequestGate(16);
    ctx = { client, rawPrefixLength: 0, gate, sessions: new SessionPool(client), deletes: new DeleteBatcher(client, gate) };
  });
  afterEach(async function () {
    ctx.deletes.close();
    await ctx.sessions.close();
  });

  it('goes from joining to holding on its first attempt, with its key create revision as a bigint', async function () {
    const contender = new Contender(ctx, newTarget(ns));
    expect(contender.state).to.equal('joining');
    expect(await contender.tryAcquire()).to.deep.include({ acquired: true });
    expect(contender.state).to.equal('holding');
    const [raw] = await rawContenders(client, contender.target.key);
    expect(contender.key).to.equal(raw!.key);
    expect(contender.createRevision).to.equal(BigInt(raw!.createRevision));
    expect(await contender.release()).to.equal(true);
    expect(contender.state).to.equal('gone');
  });

  it('is queued behind an earlier contender and holds once that one is released', async function () {
    const first = new Contender(ctx, newTarget(ns));
    const second = new Contender(ctx, otherOwner(first.target));
    await first.tryAcquire();
    expect(await second.tryAcquire()).to.deep.equal({ acquired: false, queued: true });
    expect(second.state).to.equal('queued');
    await first.release();
    expect(await second.tryAcquire()).to.deep.include({ acquired: true });
    expect(second.state).to.equal('holding');
    await second.release();
  });

  it('never sends its put when abandoned while joining, and its release then has nothing to delete', async function () {
    const contender = new Contender(ctx, newTarget(ns));
    const attempt = contender.tryAcquire();
    contender.abandon();
    expect(contender.state).to.equal('releasing');
    const err = await attempt.catch((e: unknown) => e);
    expect(String(err)).to.match(/abandoned before its request was sent/);
    expect(await contender.release()).to.equal(false);
    expect(contender.state).to.equal('gone');
    expect(await rawContenders(client, contender.target.key)).to.deep.equal([]);
  });

  it('joins again on a fresh session once its session lease is lost', async function () {
    const contender = new Contender(ctx, newTarget(ns));
    await contender.tryAcquire();
    const [before] = await rawContenders(client, contender.target.key);
    const lost = new Promise<unknown>((resolve) => contender.session.onLost(resolve));
    await client.leaseClient.leaseRevoke({ ID: BigInt(`0x${before!.lease}`).toString() });
    await lost;
    expect(await contender.tryAcquire()).to.deep.include({ acquired: true });
    const [after] = await rawContenders(client, contender.target.key);
    expect(after!.lease).to.not.equal(before!.lease);
    expect(contender.createRevision).to.equal(BigInt(after!.createRevision));
    expect(await contender.release()).to.equal(true);
    await eventually(async () => expect(await rawContenders(client, contender.target.key)).to.deep.equal([]));
  });
});
