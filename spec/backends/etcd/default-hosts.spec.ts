import { expect } from 'chai';
import { DEFAULT_HOSTS, DEFAULT_HOSTS_ENV, defaultHosts } from '../../../lib/backends/etcd/driver';

describe('etcd default client hosts', function () {
  it('are 127.0.0.1:2379 unless SHERLOCK_ETCD_HOSTS names others (comma-separated)', function () {
    expect(DEFAULT_HOSTS_ENV).to.equal('SHERLOCK_ETCD_HOSTS');
    expect(defaultHosts({})).to.deep.equal([DEFAULT_HOSTS]);
    expect(defaultHosts({ SHERLOCK_ETCD_HOSTS: ' , ' })).to.deep.equal([DEFAULT_HOSTS]);
    expect(defaultHosts({ SHERLOCK_ETCD_HOSTS: 'http://a:2379, b:2379,' })).to.deep.equal(['http://a:2379', 'b:2379']);
  });
});
