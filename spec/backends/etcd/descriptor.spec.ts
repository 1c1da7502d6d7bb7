import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { etcdBackend, isEtcdClient } from '../../../lib/backends/etcd/descriptor';
import { modulesLoadedBy } from '../../support/checks';

describe('etcd descriptor', function () {
  it('recognises etcd3 clients and namespaces by shape, and nothing else', function () {
    const client = new Etcd3({ hosts: '127.0.0.1:1' });
    try {
      expect(isEtcdClient(client)).to.equal(true);
      expect(isEtcdClient(client.namespace('app/'))).to.equal(true);
    } finally {
      client.close();
    }
    expect(isEtcdClient({ get() {}, set() {}, watch() {}, multi() {} })).to.equal(false); // ioredis-like
    expect(isEtcdClient(null)).to.equal(false);
    expect(etcdBackend.isClient!(undefined)).to.equal(false);
  });

  it('caches one driver per client', function () {
    const client = new Etcd3({ hosts: '127.0.0.1:1' });
    try {
      expect(etcdBackend.driverFor(client)).to.equal(etcdBackend.driverFor(client));
      expect(etcdBackend.driverFor(client).backend).to.equal('etcd');
    } finally {
      client.close();
    }
  });

  it('creates the default client lazily and closes it with closeDefaultClients()', async function () {
    const first = etcdBackend.driverFor(undefined);
    expect(etcdBackend.driverFor(undefined)).to.equal(first);
    await etcdBackend.closeDefaultClients!();
    expect(etcdBackend.driverFor(undefined)).to.not.equal(first);
    await etcdBackend.closeDefaultClients!();
    await etcdBackend.closeDefaultClients!(); // nothing open: a no-op
  });

  it('does not load etcd3 until a driver is asked for', function () {
    this.timeout(20_000);
    const load = "const { etcdBackend } = require('./lib/backends/etcd/descriptor')";
    const etcd3 = /node_modules\/etcd3\//;
    expect(modulesLoadedBy(`${load}; etcdBackend.keyFor('name', 'ns')`, etcd3)).to.deep.equal([]);
    const fake = '{ lease() {}, if() {}, watch() {}, getAll() {}, namespace() {} }';
    expect(modulesLoadedBy(`${load}; etcdBackend.driverFor(${fake})`, etcd3)).to.not.deep.equal([]);
  });
});
