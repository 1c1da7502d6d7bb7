/**
 * Whether many contender keys still exist as created, in one transaction per
 * {@link MAX_CHECK_BATCH} keys: renewing 10,000 auto-renewed locks then costs about 160
 * requests per tick instead of 10,000 (the session keepalive already extends every key on its
 * lease; the check only catches a key deleted behind our back).
 */
import type { Namespace } from 'etcd3';
import { revision } from './keys';
import type { RequestGate } from './request-gate';
import { callOptions } from './settings';

/** Most reads in one transaction (etcd refuses more than `--max-txn-ops`, 128 by default). */
export const MAX_CHECK_BATCH = 128;

/** A key to check, with the create revision it must still have; `undefined`: known to be gone. */
export type KeyToCheck = { readonly key: string; readonly createRevision: bigint } | undefined;

/** For each entry of `keys`, whether it still exists with its create revision. */
export async function keysStillThere(client: Namespace, gate: RequestGate, lane: string, keys: readonly KeyToCheck[]): Promise<boolean[]> {
  const out = keys.map(() => false);
  const asked = keys.flatMap((k, i) => (k ? [{ ...k, i }] : []));
  const batches: Array<typeof asked> = [];
  for (let i = 0; i < asked.length; i += MAX_CHECK_BATCH) batches.push(asked.slice(i, i + MAX_CHECK_BATCH));
  await Promise.all(
    batches.map(async (batch) => {
      // The same reads on both branches: whatever the compare says, one read per key, all at one revision.
      const res = await gate.run(lane, () =>
        client
          .if(batch[0]!.key, 'Create', '>', 0)
          .then(...batch.map((k) => client.get(k.key)))
          .else(...batch.map((k) => client.get(k.key)))
          .options(callOptions())
          .commit(),
      );
      batch.forEach((k, j) => {
        const kv = res.responses[j]?.response_range?.kvs[0];
        out[k.i] = kv !== undefined && revision(kv.create_revision) === k.createRevision;
      });
    }),
  );
  return out;
}
