import { expect } from 'chai';
import { ZooKeeperLock, LockConfigurationError, backends } from '../../../lib';
import { isZooKeeperClient } from '../../../lib/backends/zookeeper/descriptor';
import { contendersIn, lockPath } from '../../../lib/backends/zookeeper/paths';

describe('zookeeper paths and names', function () {
  it('puts lock `name` in `namespace` at /<namespace>/<name>, as kazoo’s Lock path', function () {
    expect(backends.ZOOKEEPER.keyFor('leader', 'billing')).to.equal('/billing/leader');
    expect(backends.ZOOKEEPER.keyFor('leader', null)).to.equal('/leader');
  });

  for (const bad of ['a/b', '.', '..', 'a\u0000b', 'tab\there', '\ud83d\ude00', '\ue000', '\ufff0']) {
    it(`refuses ${JSON.stringify(bad)} as a name and as a namespace`, function () {
      expect(() => new ZooKeeperLock(bad)).to.throw(LockConfigurationError);
      expect(() => new ZooKeeperLock('ok', { namespace: bad })).to.throw(LockConfigurationError);
    });
  }

  it('refuses the server’s own /zookeeper tree', function () {
    expect(() => lockPath('zookeeper', null)).to.throw(LockConfigurationError, /reserved/);
    expect(() => lockPath('x', 'zookeeper')).to.throw(LockConfigurationError, /reserved/);
    expect(lockPath('zookeeper', 'app')).to.equal('/app/zookeeper');
  });

  it('accepts dots inside a name and names kazoo would accept', function () {
    expect(lockPath('a.b', null)).to.equal('/a.b');
    expect(lockPath('...', 'ns')).to.equal('/ns/...');
  });

  it('counts only kazoo lock contenders, in sequence order, ignoring read locks and other children', function () {
    const children = [
      'bbb__lock__0000000012',
      'ccc__rlock__0000000001',
      'aaa__lock__0000000003',
      'nested-lock',
      'ddd__lock__00000003', // not 10 digits
    ];
    expect(contendersIn(children).map((c) => c.node)).to.deep.equal(['aaa__lock__0000000003', 'bbb__lock__0000000012']);
  });

  it('recognises a node-zookeeper-client client by shape, and not the other backends’ clients', function () {
    const fn = () => undefined;
    expect(isZooKeeperClient({ create: fn, remove: fn, exists: fn, getChildren: fn, mkdirp: fn, getSessionTimeout: fn })).to.equal(true);
    expect(isZooKeeperClient({ lease: fn, if: fn, watch: fn, getAll: fn, namespace: fn })).to.equal(false);
    expect(isZooKeeperClient(null)).to.equal(false);
  });
});
