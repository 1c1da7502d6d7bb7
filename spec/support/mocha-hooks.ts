/**
 * Root hooks and the end-of-run guard.
 *
 * - An unhandled promise rejection anywhere fails the test during which it happened: the
 *   library promises never to produce one.
 * - mocha runs without `--exit`, so a passing run ends only when nothing is left open: that
 *   is the proof that locks, clients and timers are cleaned up. A run that leaves handles open
 *   (after a failure, say) must still end: after the last test, a guard gives the process
 *   {@link EXIT_GRACE_MS} to exit on its own, then lists what is still open and exits with
 *   status 1. The guard's timer is unreferenced, so it never keeps a clean run alive.
 */
const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

/** How long a finished run may take to exit on its own (ms): servers stopping, sockets closing. */
export const EXIT_GRACE_MS = Number(process.env.SHERLOCK_TEST_EXIT_GRACE_MS ?? 15_000);

export const mochaHooks = {
  afterEach(this: Mocha.Context) {
    if (unhandled.length > 0) {
      const errs = unhandled.splice(0);
      throw new Error(`unhandled promise rejection(s) during this test: ${errs.map((e) => (e instanceof Error ? e.stack : String(e))).join('\n')}`);
    }
  },
};

export function mochaGlobalTeardown(): void {
  const guard = setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    process.stderr.write(
      `\nThe test process did not exit within ${EXIT_GRACE_MS} ms of the last test: something was left open ` +
        `(${open.join(', ') || 'unknown'}). Failing the run.\n`,
    );
    // mocha sets the exit code from the failure count in its own 'exit' listener; ours runs after it.
    process.on('exit', () => {
      process.exitCode = 1;
    });
    process.exit(1);
  }, EXIT_GRACE_MS);
  guard.unref();
}
