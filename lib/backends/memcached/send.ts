/**
 * Sending one raw binary-protocol request through a memjs client, as a promise that always
 * settles.
 */
import { Socket } from 'node:net';
import type { Client, Response } from 'memjs';
import { encodeRequest, type Request } from './protocol';

/** A memjs client, whatever its serializer (the driver bypasses it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any serializer: the driver sends raw requests
export type MemjsClient = Client<any, any>;

/** memjs keeps the socket in an undocumented field of each server. */
interface ServerInternals {
  _socket?: Socket;
  /** memjs's server options; `timeout` is in seconds. */
  options?: { timeout?: unknown };
  /** Fails every request of the server and drops its socket (what memjs does on a timeout). */
  error?: (err: Error) => void;
}

/**
 * Upper bound on one request, whatever the client's `timeout` says: the core gives up on a
 * driver call after 5000 ms, and a request it abandoned must not stay pending after that.
 */
export const MAX_REQUEST_MS = 5000;

/** Clients whose sockets must not keep the process alive between requests (our default client). */
const idleUnrefClients = new WeakSet<MemjsClient>();
const inFlight = new WeakMap<MemjsClient, number>();
/** Requests waiting on each socket, failed together if the socket closes. */
const waitingOn = new WeakMap<Socket, Set<(err: Error) => void>>();
/** Sockets memjs gave up on, which we closed ourselves. */
const abandoned = new WeakSet<Socket>();
/** Our listeners on memjs's sockets, which {@link abandonSocket} keeps (it removes memjs's). */
type Listener = (...args: never[]) => unknown;
const ownListeners = new WeakSet<Listener>();

function own<F extends Listener>(listener: F): F {
  ownListeners.add(listener);
  return listener;
}

/** Resolves when `socket` closes, even if memjs abandons it meanwhile. */
export function whenClosed(socket: Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.closed) resolve();
    else socket.once('close', own(() => resolve()));
  });
}

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
    // Known once perform() picked the server; finish() may run before that.
    let socket: Socket | undefined = undefined;
    let unwatch = (): void => undefined;
    let deadline: NodeJS.Timeout | undefined;
    const finish = (err: unknown, response?: Response): void => {
      if (settled) return;
      settled = true;
      unwatch();
      clearTimeout(deadline);
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
    const server = serverOf(client, request.key);
    socket = socketIn(server);
    if (socket) unwatch = failOnClose(socket, fail);
    const ms = requestDeadlineMs(server);
    if (server && ms !== undefined) {
      deadline = setTimeout(() => {
        const err = new Error(`memcached request timed out after ${ms} ms`);
        try {
          server.error?.(err);
        } catch {
          // A look-alike's error(): the request is failed below all the same.
        }
        fail(err);
      }, ms);
      deadline.unref();
    }
    if (idleUnrefClients.has(client)) refSockets(client, true);
  });
}

/**
 * Whether memjs sends requests for keys `a` and `b` to the same server (always, with one
 * server): only then do they travel on one connection, which memcached serves in order.
 */
export function sameServer(client: MemjsClient, a: string, b: string): boolean {
  const server = serverOf(client, a);
  return server !== undefined && server === serverOf(client, b);
}

/**
 * Sends `requests` (keys on one server, see {@link sameServer}) in one flight: written
 * back to back, corked so that they leave in one system call (a socket write costs more client
 * CPU than anything else in a lock cycle), answered in order by the server. Each settles like
 * {@link send}.
 */
export function sendTogether(client: MemjsClient, requests: readonly Request[]): Promise<Response>[] {
  const socket = socketOf(client, requests[0].key);
  socket?.cork();
  try {
    return requests.map((request) => send(client, request));
  } finally {
    socket?.uncork();
  }
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
 * The memjs server that `key` maps to, if any. Read defensively: the client may be a
 * look-alike whose internals are not memjs's.
 */
function serverOf(client: MemjsClient, key: string): ServerInternals | undefined {
  try {
    const server = client.server(key) as unknown;
    onRejected(server, () => undefined);
    return typeof server === 'object' && server !== null ? (server as ServerInternals) : undefined;
  } catch {
    return undefined;
  }
}

/** The socket memjs currently uses for `key`'s server, if any. */
export function socketOf(client: MemjsClient, key: string): Socket | undefined {
  return socketIn(serverOf(client, key));
}

/** The socket memjs currently uses for `server`, if any. */
function socketIn(server: ServerInternals | undefined): Socket | undefined {
  try {
    const socket = server?._socket;
    return socket instanceof Socket ? socket : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How long a request to `server` may take: memjs's own `timeout` option (0.5 s by default,
 * 1 s for our default client), at most {@link MAX_REQUEST_MS}. memjs enforces its timeout
 * only as an idle timeout of the socket, which every new write restarts: with requests
 * written more often than the timeout (locks polling a stalled server), none ever timed out
 * and they piled up until the traffic stopped. Undefined for a server that is not memjs's
 * (a look-alike client): the core's deadline bounds those.
 */
function requestDeadlineMs(server: ServerInternals | undefined): number | undefined {
  if (!server || typeof server.error !== 'function') return undefined;
  let seconds: unknown;
  try {
    seconds = server.options?.timeout;
  } catch {
    return undefined;
  }
  if (typeof seconds !== 'number' || !(seconds > 0)) return MAX_REQUEST_MS;
  return Math.min(Math.max(1, Math.round(seconds * 1000)), MAX_REQUEST_MS);
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
  for (const event of ['close', 'error', 'timeout', 'data', 'end', 'connect'] as const) {
    for (const listener of socket.listeners(event)) {
      if (!ownListeners.has(listener as Listener)) socket.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  // A late error on a socket with no listener would be an uncaught exception.
  socket.on('error', own(() => undefined));
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
    socket.once(
      'close',
      own(() => {
        const err = new Error('memcached connection closed before the response arrived');
        for (const f of [...set]) f(err);
        set.clear();
      }),
    );
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
