/**
 * The suite's own TCP proxy between a client and its server, on 127.0.0.1, to inject network
 * faults the client cannot tell from real ones:
 * - `pass`: forwards both ways;
 * - `delay(ms)`: forwards every chunk `ms` later, in order;
 * - `blackhole`: accepts connections and reads, but forwards and answers nothing (a partition
 *   that leaves sockets open: the client learns nothing until its own timers fire);
 * - `cut()`: destroys every open connection at once (a reset), then keeps the current mode.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

type Mode = { kind: 'pass' } | { kind: 'delay'; ms: number } | { kind: 'blackhole' };

/** One direction of one connection: chunks leave in order, each no earlier than its due time. */
class Pipe {
  private queue: Array<{ due: number; data: Buffer }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly to: Socket,
    private readonly proxy: TcpProxy,
  ) {}

  push(data: Buffer): void {
    const mode = this.proxy.mode;
    if (mode.kind === 'blackhole') return;
    const delay = mode.kind === 'delay' ? mode.ms : 0;
    if (delay === 0 && this.queue.length === 0) {
      if (!this.to.destroyed) this.to.write(data);
      return;
    }
    this.queue.push({ due: Date.now() + delay, data });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const t = Date.now();
      while (this.queue.length > 0 && this.queue[0]!.due <= t) {
        const { data } = this.queue.shift()!;
        if (this.proxy.mode.kind === 'blackhole') continue; // a partition swallows what was in transit
        if (!this.to.destroyed) this.to.write(data);
      }
      this.schedule();
    }, Math.max(0, this.queue[0]!.due - Date.now()));
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
  }
}

export class TcpProxy {
  mode: Mode = { kind: 'pass' };
  private server: Server | undefined;
  private readonly connections = new Set<{ client: Socket; upstream: Socket; pipes: Pipe[] }>();
  /** Connections accepted so far. */
  accepted = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Listens on a free loopback port; resolves with it. */
  async listen(): Promise<number> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return (server.address() as { port: number }).port;
  }

  get port(): number {
    return (this.server!.address() as { port: number }).port;
  }

  pass(): void {
    this.mode = { kind: 'pass' };
  }

  delay(ms: number): void {
    this.mode = { kind: 'delay', ms };
  }

  blackhole(): void {
    this.mode = { kind: 'blackhole' };
  }

  /** Destroys every open connection (both sides see a reset/close). */
  cut(): void {
    for (const c of this.connections) this.drop(c);
  }

  /** Cuts everything and stops listening. */
  async close(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    const upstream = connect({ host: this.targetHost, port: this.targetPort });
    const entry = { client, upstream, pipes: [] as Pipe[] };
    const toServer = new Pipe(upstream, this);
    const toClient = new Pipe(client, this);
    entry.pipes.push(toServer, toClient);
    this.connections.add(entry);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // Bytes the client sends before the upstream connects are written once it does (net buffers them).
    client.on('data', (d: Buffer) => toServer.push(d));
    upstream.on('data', (d: Buffer) => toClient.push(d));
    const end = () => this.drop(entry);
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  }

  private drop(entry: { client: Socket; upstream: Socket; pipes: Pipe[] }): void {
    if (!this.connections.delete(entry)) return;
    for (const p of entry.pipes) p.clear();
    entry.client.destroy();
    entry.upstream.destroy();
  }
}
