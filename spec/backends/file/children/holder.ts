/**
 * Holds a lock until killed. Arguments: DIR NAME MODE where MODE is `lock:<expire ms>`,
 * `lock:none` (expire: null) or `flock` (only the flock(2) on the lock's .lock file). Prints
 * `held <fencing token>` once it holds it.
 */
import { fileBackend } from '../../../../lib/backends/file/descriptor';
import { lockFilesOf } from '../../../../lib/backends/file/file-names';
import { flockExclusive, openFlockFile } from '../../../../lib/backends/file/flock';
import { FileLock } from '../../../../lib';

const [dir, name, mode] = process.argv.slice(2);

async function main(): Promise<void> {
  if (mode === 'flock') {
    const path = lockFilesOf(dir, fileBackend.keyFor(name, null)).flock;
    await flockExclusive(openFlockFile(path), path);
    process.stdout.write('held -\n');
  } else {
    const expire = mode === 'lock:none' ? null : Number(mode.slice('lock:'.length));
    const lock = new FileLock(name, { client: dir, expire });
    if (!(await lock.acquire(false))) throw new Error('the lock was busy');
    process.stdout.write(`held ${String(lock.fencingToken)}\n`);
  }
  setInterval(() => undefined, 60_000);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
