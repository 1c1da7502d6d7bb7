/**
 * The memcached driver's `releaseScope`: the server list when it alone tells where a key
 * lives, undefined (per-client keying) when the client routes keys in a way we cannot compare.
 * No server is contacted: memjs connects on first use.
 */
import { expect } from 'chai';
import * as memjs from 'memjs';
import { MemcachedDriver } from '../../../lib/backends/memcached/driver';
import { memcachedScope } from '../../../lib/backends/memcached/scope';
import type { MemjsClient } from '../../../lib/backends/memcached/send';

describe('memcached releaseScope', () => {
  const client = (servers: string, options: memjs.ClientOptions = {}): MemjsClient => memjs.Client.create(servers, options);

  it('is the server of a one-server client, whatever its credentials', () => {
    expect(memcachedScope(client('127.0.0.1:11211'))).to.equal('127.0.0.1:11211');
    expect(memcachedScope(client('user:secret@127.0.0.1:11211'))).to.equal('127.0.0.1:11211');
    expect(memcachedScope(client('Cache.Example:11211'))).to.equal('cache.example:11211');
  });

  it('tells two ports of one host apart', () => {
    expect(memcachedScope(client('127.0.0.1:11211'))).to.not.equal(memcachedScope(client('127.0.0.1:11212')));
  });

  it('is the ordered server list when memjs hashes keys over several (the order picks the server)', () => {
    expect(memcachedScope(client('a:1,b:2'))).to.equal('a:1,b:2');
    expect(memcachedScope(client('b:2,a:1'))).to.equal('b:2,a:1');
  });

  it('is undefined when several servers fail over (a key moves per client while one is down)', () => {
    expect(memcachedScope(client('a:1,b:2', { failover: true }))).to.equal(undefined);
    expect(memcachedScope(client('a:1', { failover: true }))).to.equal('a:1');
  });

  it('is undefined when the client picks servers its own way (e.g. a hash ring)', () => {
    const ring = client('a:1,b:2');
    Object.assign(ring, { getServer: () => 0 });
    expect(memcachedScope(ring)).to.equal(undefined);
  });

  it('is what the driver states', () => {
    expect(new MemcachedDriver(client('127.0.0.1:11211')).releaseScope).to.equal('127.0.0.1:11211');
  });
});
