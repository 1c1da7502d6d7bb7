import { expect } from 'chai';
import { etcdBackend } from '../../../lib/backends/etcd/descriptor';
import { contenderKey, contendersIn, isContenderOf, leaseHex } from '../../../lib/backends/etcd/keys';
import { ttlFor } from '../../../lib/backends/etcd/settings';
import { expectConfigError } from '../../support/checks';

describe('etcd keys and settings', function () {
  describe('keyFor()', function () {
    it('is the lock prefix of etcd\'s own lock: <namespace>/<name>, or <name>', function () {
      expect(etcdBackend.keyFor('jobs', 'app')).to.equal('app/jobs');
      expect(etcdBackend.keyFor('jobs', null)).to.equal('jobs');
    });

    it('rejects a "/" in the name or namespace and says why', function () {
      expect(expectConfigError(() => etcdBackend.keyFor('a/b', null)).message).to.match(/under another lock's prefix/);
      expect(expectConfigError(() => etcdBackend.keyFor('b', 'a/x')).message).to.match(/namespace "a\/x".*"\/" is not allowed/);
    });

    it('applies the checks of every backend (empty, too long, control characters)', function () {
      expectConfigError(() => etcdBackend.keyFor('', null));
      expectConfigError(() => etcdBackend.keyFor('x'.repeat(201), null));
      expectConfigError(() => etcdBackend.keyFor('a\nb', null));
    });
  });

  describe('contender keys', function () {
    it('are P/<lease hex>, then P/<lease hex>_<n> for more contenders on one lease', function () {
      expect(contenderKey('app/jobs', '694da21b9d737007', 0)).to.equal('app/jobs/694da21b9d737007');
      expect(contenderKey('app/jobs', '694da21b9d737007', 3)).to.equal('app/jobs/694da21b9d737007_3');
    });

    it('writes lease IDs in lowercase hex like Go (from etcd3\'s decimal strings)', function () {
      expect(leaseHex('7587899186678558727')).to.equal('694da21b9d737007');
    });

    it('counts only keys directly under P/ as contenders of P', function () {
      expect(isContenderOf('a', 'a/694da21b9d737007')).to.equal(true);
      expect(isContenderOf('a', 'a/694da21b9d737007_1')).to.equal(true);
      expect(isContenderOf('a', 'a/x/694da21b9d737007')).to.equal(false); // lock x in namespace a
      expect(isContenderOf('a', 'ab/694da21b9d737007')).to.equal(false);
      expect(isContenderOf('a', 'a/')).to.equal(false);
    });

    it('orders a queue by create revision and drops deeper keys (stripping a raw key prefix)', function () {
      const kv = (key: string, rev: number) =>
        ({ key: Buffer.from(key), create_revision: String(rev), mod_revision: '0', version: '1', value: Buffer.alloc(0), lease: '0' });
      const queue = contendersIn('L', [kv('ns/L/b', 9), kv('ns/L/x/deeper', 3), kv('ns/L/a', 7)], 3);
      expect(queue.map((q) => [q.key, Number(q.createRevision)])).to.deep.equal([
        ['L/a', 7],
        ['L/b', 9],
      ]);
    });
  });

  describe('lease TTL', function () {
    it('is expire in whole seconds rounded up, at least 2 s (etcd\'s minimum), 60 s for expire: null', function () {
      expect(ttlFor(10_000)).to.equal(10);
      expect(ttlFor(10_001)).to.equal(11);
      expect(ttlFor(300)).to.equal(2);
      expect(ttlFor(2_500)).to.equal(3);
      expect(ttlFor(null)).to.equal(60);
    });
  });
});
