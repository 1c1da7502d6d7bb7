/**
 * Sending one raw binary-protocol request through a memjs client, as a promise that always
 * settles.
 */
import { Socket } from 'node:net';
import type { Client, Response } from 'memjs';
import { encodeRequest, type Request } from './protocol';

/** A memjs client, whatever its serializer (the driver bypasses it). */
export type MemjsClient = Client<any, any>;

/** memjs keeps the socket in an undocumented field of each server. */
interface ServerInternals {
  _socket?: Socket;
}

/** Clients whose sockets must not keep the process alive between requests (our default client). */
const idleUnrefClients = new WeakSet<MemjsClient>();
const inFlight = new WeakMap<MemjsClient, number>();
/** Requests waiting on each socket, failed together if the socket closes. */
const waitingOn = new WeakMap<Socket, Set<(err: Error) => void>>();
/** Sockets memjs gave up on, which we closed ourselves. */
const abandoned = new WeakSet<Socket>();

/**
 * Lets the sockets of `client` stop keeping the process alive while no request is in flight
 * (used for the default client, which the user cannot close if they never touch it).
 */
export function unrefWhenIdle(client: MemjsClient): void {
  idleUnrefClients.add(client);
}

/**
 * Sends `request` to the server memjs picks for its key and resolves with the response, or
 * rejects with the transport error.
 *
 * - Retries are forced to 1 (memjs would otherwise re-send on failure): a re-sent ADD or
 *   CAS-DELETE whose first copy did reach the server would come back as "exists"/"not found"
 *   and turn a success into a failure. The caller sees the error instead and the core
 *   releases what the request may have created.
 * - memjs 1.3.2 never answers a request whose socket the server closed without an error
 *   (e.g. memcached shut down or restarted): the socket's `close` fails it here, so a
 *   restart shows up at once rather than as a hang.
 */
export function send(client: MemjsClient, request: Request): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    let socket: Socket | undefined;
    let unwatch = (): void => undefined;
    const finish = (err: unknown, response?: Response): void => {
      if (settled) return;
      settled = true;
      unwatch();
      leave(client);
      if (err !== null && err !== undefined) {
        // memjs gives up a socket on a timeout or an error without closing it (see
        // abandonSocket); this request was the last use of it we will ever see.
        if (socket && socketOf(client, request.key) !== socket) abandonSocket(socket);
        reject(err);
      } else if (!isResponse(response)) {
        reject(new Error('the memcached client answered without a binary-protocol response'));
      } else {
        resolve(response);
      }
    };
    const fail = (err: unknown): void => finish(err ?? new Error('the memcached client failed without an error'));
    enter(client);
    try {
      const buffer = encodeRequest(request, nextSeq(client, fail));
      const seq = buffer.readUInt32BE(12);
      // A look-alike client may be async: a rejection of what it returns is a failure of
      // this request, never an unhandled rejection.
      onRejected(
        client.perform(request.key, buffer, seq, (err, response) => finish(err, response as Response), 1),
        fail,
      );
    } catch (err) {
      fail(err);
    }
    if (settled) return;
    socket = socketOf(client, request.key);
    if (socket) unwatch = failOnClose(socket, fail);
    if (idleUnrefClients.has(client)) refSockets(client, true);
  });
}

/** Routes the rejection of `value`, if it is a promise, to `onError`. */
function onRejected(value: unknown, onError: (err: unknown) => void): void {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return;
  try {
    const then = (value as PromiseLike<unknown>).then;
    if (typeof then === 'function') then.call(value, undefined, onError);
  } catch (err) {
    onError(err);
  }
}

/** Whether `value` has the shape of a memjs response (the driver reads its header and buffers). */
function isResponse(value: unknown): value is Response {
  const r = value as Partial<Response> | null | undefined;
  return typeof r === 'object' && r !== null && typeof r.header === 'object' && r.header !== null;
}

/**
 * The socket memjs currently uses for `key`'s server, if any. Read defensively: the client
 * may be a look-alike whose internals are not memjs's.
 */
function socketOf(client: MemjsClient, key: string): Socket | undefined {
  try {
    const server = client.server(key) as unknown;
    onRejected(server, () => undefined);
    const socket = (server as ServerInternals | null | undefined)?._socket;
    return socket instanceof Socket ? socket : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Closes a socket memjs 1.3.2 has given up on. After a request timeout (or a connect
 * timeout) memjs only `end()`s the socket and forgets it: against a stalled server the
 * socket then stays open, and referenced, until the server answers the FIN, which keeps the
 * process alive, and `client.close()` cannot reach it. Worse, when it finally closes, its
 * `close` handler clears `server._socket`, which by then is the newer socket: that one stays
 * open and unreachable for good. memjs's listeners are removed before destroying it so that
 * its late events cannot touch the server's current socket.
 */
function abandonSocket(socket: Socket): void {
  if (abandoned.has(socket)) return;
  abandoned.add(socket);
  const waiting = waitingOn.get(socket);
  for (const event of ['close', 'error', 'timeout', 'data', 'end', 'connect'] as const) socket.removeAllListeners(event);
  // A late error on a socket with no listener would be an uncaught exception.
  socket.on('error', () => undefined);
  socket.destroy();
  if (waiting) {
    const err = new Error('memcached connection abandoned by the client before the response arrived');
    for (const f of [...waiting]) f(err);
    waiting.clear();
  }
}

/**
 * The next opaque for `client`. memjs wraps its counter with `seq &= 0xffffffff`, which turns
 * it negative after 2^31 requests; the response's opaque is read unsigned, so from then on no
 * response would find its callback (and memjs's own requests would throw). Restarting at 1
 * keeps opaques positive and unique among the requests in flight.
 */
function nextSeq(client: MemjsClient, fail: (err: unknown) => void): number {
  onRejected(client.incrSeq(), fail);
  const seq = client.seq;
  if (!(Number.isInteger(seq) && seq > 0 && seq <= 0xffffffff)) (client as { seq: number }).seq = 1;
  return client.seq;
}

function failOnClose(socket: Socket, fail: (err: Error) => void): () => void {
  let waiting = waitingOn.get(socket);
  if (!waiting) {
    const set = new Set<(err: Error) => void>();
    waitingOn.set(socket, set);
    socket.once('close', () => {
      const err = new Error('memcached connection closed before the response arrived');
      for (const f of [...set]) f(err);
      set.clear();
    });
    waiting = set;
  }
  const entry = waiting;
  entry.add(fail);
  return () => entry.delete(fail);
}

function enter(client: MemjsClient): void {
  inFlight.set(client, (inFlight.get(client) ?? 0) + 1);
}

function leave(client: MemjsClient): void {
  const n = (inFlight.get(client) ?? 1) - 1;
  inFlight.set(client, n);
  if (n === 0 && idleUnrefClients.has(client)) refSockets(client, false);
}

function refSockets(client: MemjsClient, ref: boolean): void {
  for (const server of client.servers as unknown as ServerInternals[]) {
    const socket = server._socket;
    if (socket && !socket.destroyed) {
      if (ref) socket.ref();
      else socket.unref();
    }
  }
}

/** The sockets memjs currently holds for `client` (for closing them). */
export function socketsOf(client: MemjsClient): Socket[] {
  return (client.servers as unknown as ServerInternals[])
    .map((s) => s._socket)
    .filter((s): s is Socket => s !== undefined && !s.destroyed);
}
