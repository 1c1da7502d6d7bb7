/**
 * The socket bookkeeping around memjs: a socket memjs gives up on is closed by us without
 * dropping our own listeners on it (closeClient waits on them).
 */
import { expect } from 'chai';
import * as memjs from 'memjs';
import { memcachedBackend } from '../../../lib/backends/memcached/descriptor';
import { socketsOf, whenClosed, type MemjsClient } from '../../../lib/backends/memcached/send';
import { freePort } from '../../support/servers/process';

describe('memcached sockets @integration', () => {
  let client: MemjsClient | undefined;
  afterEach(() => client?.close());

  it('still reports the close of a socket memjs abandoned after a connection error', async () => {
    const port = await freePort();
    client = memjs.Client.create(`127.0.0.1:${port}`, { retries: 1, timeout: 1, logger: { log: () => undefined } });
    const request = memcachedBackend.driverFor(client).isLocked('k');
    const [socket] = socketsOf(client);
    expect(socket, 'memjs opened no socket').to.not.equal(undefined);
    const closed = whenClosed(socket);
    const err = await request.catch((e: unknown) => e);
    expect(String(err)).to.include('ECONNREFUSED');
    // Before the fix, abandoning the socket removed this listener too: this never settled.
    await closed;
    expect(socket.destroyed).to.equal(true);
  });
});
