import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import { Session } from '../../../lib/backends/etcd/session';
import { SessionPool } from '../../../lib/backends/etcd/session-pool';
import { IDLE_SESSION_MS } from '../../../lib/backends/etcd/settings';
import { eventually, sleep } from '../../support/async';
import { useEtcd } from './support';

describe('etcd sessions @integration', function () {
  this.timeout(20_000);
  const etcd = useEtcd();
  let client: Etcd3;
  const sessions: Session[] = [];

  beforeEach(function () {
    client = etcd.client();
  });
  afterEach(async function () {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  const open = (ended: (s: Session) => void = () => undefined) => {
    const s = new Session(client, 5, ended);
    sessions.push(s);
    return s;
  };
  const remainingTtl = async (session: Session) => {
    const res = await client.leaseClient.leaseTimeToLive({ ID: (await session.grant()).id });
    return Number(res.TTL);
  };

  it('revokes its lease once it stayed unused for the idle time, and says it ended', async function () {
    let ended = 0;
    const session = open(() => ended++);
    session.use();
    await session.grant();
    session.unuse();
    expect(await remainingTtl(session)).to.be.greaterThan(0);
    await eventually(async () => expect(await remainingTtl(session)).to.equal(-1), IDLE_SESSION_MS + 3_000, 100);
    expect(ended).to.equal(1);
  });

  it('keeps an idle session for a user that comes back within the idle time', async function () {
    const session = open();
    session.use();
    await session.grant();
    session.unuse();
    await sleep(IDLE_SESSION_MS / 2);
    session.use();
    await sleep(IDLE_SESSION_MS);
    expect(session.usable).to.equal(true);
    expect(await remainingTtl(session)).to.be.greaterThan(0);
    session.unuse();
  });

  it('takes no new users once retired and ends with its last user', async function () {
    let ended = 0;
    const session = open(() => ended++);
    session.use();
    session.use();
    await session.grant();
    session.retire();
    expect(session.usable).to.equal(false);
    session.unuse();
    expect(ended).to.equal(0);
    session.unuse();
    expect(ended).to.equal(1);
    await eventually(async () => expect(await remainingTtl(session)).to.equal(-1));
  });

  it('is handed out by the pool once per TTL, and replaced once it is retired', async function () {
    const pool = new SessionPool(client);
    try {
      const a = pool.use(5);
      const b = pool.use(5);
      const other = pool.use(7);
      expect(b).to.equal(a);
      expect(other).to.not.equal(a);
      a.retire();
      expect(pool.use(5)).to.not.equal(a);
    } finally {
      await pool.close();
    }
  });
});
