/**
 * Sending one raw binary-protocol request through a memjs client, as a promise that always
 * settles.
 */
import type { Socket } from 'node:net';
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
    const seq = nextSeq(client);
    let settled = false;
    let unwatch = (): void => undefined;
    const finish = (err: Error | null, response?: Response): void => {
      if (settled) return;
      settled = true;
      unwatch();
      leave(client);
      if (err) reject(err);
      else resolve(response as Response);
    };
    enter(client);
    try {
      client.perform(request.key, encodeRequest(request, seq), seq, (err, response) => finish(err, response as Response), 1);
    } catch (err) {
      finish(err instanceof Error ? err : new Error(String(err)));
    }
    if (settled) return;
    const socket = (client.server(request.key) as unknown as ServerInternals | null)?._socket;
    if (socket) unwatch = failOnClose(socket, (err) => finish(err));
    if (idleUnrefClients.has(client)) refSockets(client, true);
  });
}

/**
 * The next opaque for `client`. memjs wraps its counter with `seq &= 0xffffffff`, which turns
 * it negative after 2^31 requests; the response's opaque is read unsigned, so from then on no
 * response would find its callback (and memjs's own requests would throw). Restarting at 1
 * keeps opaques positive and unique among the requests in flight.
 */
function nextSeq(client: MemjsClient): number {
  client.incrSeq();
  if (client.seq <= 0) (client as { seq: number }).seq = 1;
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
