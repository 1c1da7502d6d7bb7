/** The help texts of `sherlock-rx`, its `run` and its `locked` command. */
import type { Subcommand } from './args';
import { DEFAULT_KILL_AFTER } from './config';
import { ExitCode } from './exit-codes';

const CONNECTION_FLAGS = `Connection (flags win over the environment):
  --backend <redis|memcached|etcd|zookeeper|file|memory>   env SHERLOCK_BACKEND (required)
  --url <address>        redis: redis://host:port          env REDIS_URL      (default redis://127.0.0.1:6379)
                         memcached: host:port[,host:port]  env MEMCACHED_URL  (default 127.0.0.1:11211)
                         etcd: http://host:port[,...]      env ETCD_URL       (default http://127.0.0.1:2379)
                         zookeeper: host:port[,...][/chroot]  env ZOOKEEPER_URL  (default 127.0.0.1:2181)
                         file: the lock directory (this host)  env SHERLOCK_FILE_DIR  (default <tmp>/sherlock)
  --namespace <ns>       key prefix, as in the library      env SHERLOCK_NAMESPACE
  -h, --help             this help`;

const TOP = `sherlock-rx: distributed locks for shell scripts and cron jobs (Redis, Memcached, etcd, ZooKeeper, files).

Usage:
  sherlock-rx run <name> [flags] -- <command> [args...]   run a command while holding a lock
  sherlock-rx locked <name> [flags]                        exit 0 if the lock is held, 1 if free
  sherlock-rx help [run|locked]  |  --help  |  --version

Examples:
  SHERLOCK_BACKEND=redis REDIS_URL=redis://cache:6379 sherlock-rx run nightly-backup -- ./backup.sh
  sherlock-rx run --backend etcd --url http://etcd:2379 --no-wait report -- node report.js
  sherlock-rx locked --backend memcached --url mc:11211 nightly-backup && echo "backup running"

Durations are in milliseconds. See "sherlock-rx run --help" for the exit codes.`;

const RUN = `Usage: sherlock-rx run <name> [flags] -- <command> [args...]

Acquires the lock <name>, renews it while <command> runs, releases it when the command ends,
and exits with the command's exit code (128 + the signal number if a signal killed it).
The command gets SHERLOCK_FENCING_TOKEN (the grant's fencing token) and SHERLOCK_LOCK_NAME.
SIGINT, SIGTERM and SIGHUP are passed on to the command. If the lock is lost while the
command runs, the command gets SIGTERM, then SIGKILL after --kill-after ms.

Waiting:
  --timeout <ms>         give up after this long (default: wait forever)
  --no-wait              one attempt: give up at once if the lock is held
  -q, --quiet            no "waiting for lock" line on stderr
Holding:
  --expire <ms>          lifetime between renewals, from 10 (default 60000); a crashed
                         holder's lock frees itself after about this long
  --kill-after <ms>      grace between SIGTERM and SIGKILL on a lost lock (default ${DEFAULT_KILL_AFTER})
${CONNECTION_FLAGS}

Exit codes:
  (the command's)  the command ran under the lock; 128+N: it was killed by signal N
  ${ExitCode.USAGE}               usage or configuration error (bad flag, missing client library)
  ${ExitCode.BACKEND}               the backend could not be reached or failed
  ${ExitCode.SOFTWARE}               internal error
  ${ExitCode.NOT_ACQUIRED}               not acquired: busy with --no-wait, or --timeout passed
  ${ExitCode.LOST}               the lock was lost while the command ran; the command was stopped
  ${ExitCode.CANNOT_EXECUTE} / ${ExitCode.NOT_FOUND}        the command could not be executed / was not found

Examples:
  sherlock-rx run --backend redis nightly-backup -- ./backup.sh --full
  sherlock-rx run --backend etcd --timeout 30000 deploy -- sh -c 'make deploy'
  # cron: skip this run if the previous one is still going
  */5 * * * * sherlock-rx run --backend redis --no-wait --quiet sync -- /usr/local/bin/sync`;

const LOCKED = `Usage: sherlock-rx locked <name> [flags]

Exits 0 if anyone holds the lock <name>, 1 if it is free.

${CONNECTION_FLAGS}

Exit codes:
  0   held
  1   free
  ${ExitCode.USAGE}  usage or configuration error
  ${ExitCode.BACKEND}  the backend could not be reached or failed

Examples:
  sherlock-rx locked --backend redis nightly-backup && echo "a backup is running"
  ETCD_URL=http://etcd:2379 sherlock-rx locked --backend etcd deploy || echo "free"`;

/** The help text for `topic` (the top-level help when none). */
export function helpText(topic?: Subcommand): string {
  return `${topic === 'run' ? RUN : topic === 'locked' ? LOCKED : TOP}\n`;
}
