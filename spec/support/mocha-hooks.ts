/**
 * Root hooks: an unhandled promise rejection anywhere fails the run. The library promises
 * never to produce one, so tests must notice if it does.
 */
const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

export const mochaHooks = {
  afterEach(this: Mocha.Context) {
    if (unhandled.length > 0) {
      const errs = unhandled.splice(0);
      throw new Error(`unhandled promise rejection(s) during this test: ${errs.map((e) => (e instanceof Error ? e.stack : String(e))).join('\n')}`);
    }
  },
};
