/**
 * Parallel keys on one client: `keys` independent loops, each acquiring and releasing its own
 * free lock, all through one connection. Shows what a library costs when requests are
 * pipelined (the round trip is shared, so the client's own work per cycle dominates).
 */
import type { ResultRow } from '../model/results';
import type { Connector, Peer } from '../peers/peer';
import { cycleFor, interleave, type CommandCounter, type UncontendedSettings } from './uncontended';

/** Settings of the parallel-keys scenario. */
export interface ParallelKeysSettings extends UncontendedSettings {
  readonly keys: number;
}

/** Runs it, one client per peer with `keys` contenders on it; `peers[0]` is the baseline. */
export async function runParallelKeys<C>(
  connector: Connector<C>,
  peers: ReadonlyArray<Peer<C>>,
  settings: ParallelKeysSettings,
  commands?: CommandCounter,
): Promise<ResultRow[]> {
  const clients = await Promise.all(peers.map(() => connector.open()));
  const locks = peers.map((peer, i) => Array.from({ length: settings.keys }, (_, k) => peer.contender(clients[i]!, `bench-keys-${peer.id}-${k}`)));
  try {
    const loops = locks.map((set, i) => (ms: number) => cycleFor(peers[i]!.name, set, ms));
    return await interleave(peers, loops, settings, commands);
  } finally {
    await Promise.all(locks.flat().map((lock) => lock.dispose?.()));
    await connector.close(clients);
  }
}
