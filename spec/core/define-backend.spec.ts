import { expect } from 'chai';
import { backends, isLockConfigurationError, Lock } from '../../lib';
import { defineBackend, type BackendDefinition, type LockDriver } from '../../lib/entries/backend';
import { describeConformance } from '../conformance/suite';
import { MapServer, mapBackend } from '../support/backends/map-backend';

describe('a backend built with defineBackend', function () {
  describe('outside the library', function () {
    before(() => backends.register(mapBackend));
    describeConformance('map (defineBackend)', async () => {
      const server = new MapServer();
      return {
        backend: mapBackend,
        client: server,
        forceDelete: async (key) => void server.entries.delete(key),
        fencing: true,
        releaseNotification: false,
        serverExpirySlack: 0,
        prefix: 'map-',
      };
    });
  });

  describe('its chores', function () {
    class Client {}
    const driver = (): LockDriver => ({
      backend: 'chores',
      tryAcquire: async () => ({ acquired: true }),
      release: async () => true,
      renew: async () => true,
      isLocked: async () => false,
    });

    /** A backend of Client with the given parts; the rest are the plainest possible. */
    const choresBackend = (name: string, parts: Partial<BackendDefinition<Client, unknown, LockDriver>> = {}) =>
      defineBackend<Client, unknown, LockDriver>({
        name,
        keyFor: (n) => n,
        isClient: (v: unknown): v is Client => v instanceof Client,
        clientDescription: 'a Client',
        load: () => undefined,
        createDriver: () => driver(),
        ...parts,
      });

    it('loads the driver module once, on first use, and shares one driver per client', function () {
      let loads = 0;
      let drivers = 0;
      const b = choresBackend('chores-1', { load: () => ++loads, createDriver: () => (drivers++, driver()) });
      expect(loads).to.equal(0);
      const c = new Client();
      expect(b.driverFor(c)).to.equal(b.driverFor(c));
      b.driverFor(new Client());
      expect([loads, drivers]).to.deep.equal([1, 2]);
    });

    it('rejects a client of another kind, naming what it needs', function () {
      const b = choresBackend('chores-2', { clientDescription: 'a Client (new Client())' });
      expect(() => b.driverFor({} as Client)).to.throw(/chores-2 backend needs a Client \(new Client\(\)\) as "client"/);
      expect(() => b.driverFor(undefined)).to.throw(/has no default client/);
    });

    it('turns a missing client package into a LockConfigurationError naming it', function () {
      const b = choresBackend('chores-3', {
        clientPackage: 'no-such-client-package',
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        load: () => require('no-such-client-package') as unknown,
      });
      let err: unknown;
      try {
        b.driverFor(new Client());
      } catch (e) {
        err = e;
      }
      expect(isLockConfigurationError(err), String(err)).to.equal(true);
      expect((err as Error).message).to.contain('npm install no-such-client-package');
    });

    it('opens the default client once and closes it with closeDefaultClients()', async function () {
      const closed: Client[] = [];
      const b = choresBackend('chores-4', {
        createDefaultClient: () => new Client(),
        closeDefaultClient: async (_m, client) => void closed.push(client),
      });
      const first = b.driverFor(undefined);
      expect(b.driverFor(undefined)).to.equal(first);
      await b.closeDefaultClients();
      expect(closed).to.have.length(1);
      expect(b.driverFor(undefined)).to.not.equal(first);
      await b.closeDefaultClients();
      expect(closed).to.have.length(2);
      expect(await new Lock('x', { backend: b }).acquire()).to.equal(true);
    });
  });
});
