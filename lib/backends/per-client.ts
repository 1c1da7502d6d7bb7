/**
 * One driver per client, shared by every lock of that client (so per-client resources such as
 * a subscriber connection, sessions or a renewal scheduler are shared too). Weakly held: a
 * client the user drops takes its driver with it.
 */
export function perClient<C extends object, D>(create: (client: C) => D): (client: C) => D {
  const drivers = new WeakMap<C, D>();
  return (client) => {
    let driver = drivers.get(client);
    if (driver === undefined) {
      driver = create(client);
      drivers.set(client, driver);
    }
    return driver;
  };
}
