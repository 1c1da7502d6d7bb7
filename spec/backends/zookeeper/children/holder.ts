/**
 * A process that holds one ZooKeeper lock until it is lost, for the session-expiry specs (the
 * parent kills or freezes it). Env: ZK_HOSTS, ZK_NAMESPACE, ZK_NAME, ZK_SESSION_TIMEOUT (ms).
 * Prints `connected`, `acquired <fencing token>`, then `lost <error name>` if the lock is lost.
 */
import { createClient } from 'node-zookeeper-client';
import { ZooKeeperLock } from '../../../../lib';

const say = (line: string) => process.stdout.write(`${line}\n`);
const env = (key: string) => {
  const v = process.env[key];
  if (!v) throw new Error(`${key} is not set`);
  return v;
};

const client = createClient(env('ZK_HOSTS'), { sessionTimeout: Number(env('ZK_SESSION_TIMEOUT')), spinDelay: 100 });
client.once('connected', () => {
  say('connected');
  const lock = new ZooKeeperLock(env('ZK_NAME'), { client, namespace: env('ZK_NAMESPACE'), expire: null });
  lock
    .run(
      (handle) =>
        new Promise<void>((resolve) => {
          say(`acquired ${String(handle.fencingToken)}`);
          handle.signal.addEventListener('abort', () => resolve());
        }),
      { timeout: 60_000 },
    )
    .then(
      () => say('ended'),
      (err: Error) => say(`lost ${err.name}`),
    );
});
client.connect();
// Kept alive by the parent, which kills it.
setInterval(() => undefined, 1_000);
