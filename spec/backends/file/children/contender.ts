/**
 * A contender for the process specs: acquires one lock COUNT times through the public API and,
 * while holding it, appends `start node <pid> <fencing token>` and `end node <pid>` lines to
 * LOG (O_APPEND: each line lands whole). Arguments: DIR NAME LOG COUNT HOLD_MS.
 */
import { appendFileSync } from 'node:fs';
import { FileLock } from '../../../../lib';

const [dir, name, log, count, holdMs] = process.argv.slice(2);

async function main(): Promise<void> {
  const lock = new FileLock(name, { client: dir, expire: 30_000 });
  for (let i = 0; i < Number(count); i++) {
    await using handle = await lock.hold({ timeout: 120_000 });
    appendFileSync(log, `start node ${process.pid} ${String(handle.fencingToken)}\n`);
    await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
    appendFileSync(log, `end node ${process.pid}\n`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  },
);
