/**
 * A caller that gives up (busy with `acquire(false)`, or timed out) and closes its own client at
 * once must leave no waiter key behind: etcd queues every contender as a key on its session's
 * lease, and a key whose delete never went out blocks every later waiter until that lease
 * expires (60 s by default). Found by the CLI's etcdctl interop test, which does exactly this.
 */
import { expect } from 'chai';
import { EtcdLock, isLockTimeoutError } from '../../../lib';
import { rawContenders, runPrefix, useEtcd } from './support';

describe('etcd: giving up cleans up before answering @integration', function () {
  this.timeout(20_000);
  const etcd = useEtcd();
  const ns = runPrefix();

  for (const how of ['acquire(false)', 'hold({ timeout: 300 })'] as const) {
    it(`${how} on a busy lock leaves only the holder's key, even when the caller closes its client right after`, async () => {
      const holderClient = etcd.client();
      const holder = new EtcdLock(`give-up-${how.slice(0, 4)}`, { client: holderClient, namespace: ns });
      expect(await holder.acquire()).to.equal(true);
      // The caller's own client: closed as soon as the answer arrives, as a script would.
      const callerClient = etcd.client();
      const caller = new EtcdLock(holder.name, { client: callerClient, namespace: ns });
      if (how === 'acquire(false)') {
        expect(await caller.acquire(false)).to.equal(false);
      } else {
        const err = await caller.hold({ timeout: 300 }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isLockTimeoutError(err), String(err)).to.equal(true);
      }
      callerClient.close();
      const keys = await rawContenders(holderClient, holder.key);
      expect(keys, 'a waiter key outlived the answer').to.have.length(1);
      await holder.release();
    });
  }
});
