/**
 * A TCP proxy on loopback that can stall: its connections stay open but nothing more is
 * forwarded either way, as in a network partition or a stalled route. Lets one client lose its
 * server while every other client keeps it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class StallingProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private stalled = false;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((inbound) => this.pipe(inbound));
  }

  /** Starts a proxy to `address` (`host:port`) on a free loopback port. */
  static async start(address: string): Promise<StallingProxy> {
    const [host, port] = address.split(':');
    const proxy = new StallingProxy({ host: host!, port: Number(port) });
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', () => resolve()));
    return proxy;
  }

  /** `127.0.0.1:<port>` of the proxy. */
  get address(): string {
    return `127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** From now on nothing is forwarded; the connections stay open. */
  stall(): void {
    this.stalled = true;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pipe(inbound: Socket): void {
    const outbound = connect(this.target);
    for (const [from, to] of [
      [inbound, outbound],
      [outbound, inbound],
    ] as const) {
      this.sockets.add(from);
      from.on('data', (d: Buffer) => {
        if (!this.stalled) to.write(d);
      });
      from.on('error', () => undefined);
      from.on('close', () => {
        this.sockets.delete(from);
        if (!this.stalled) to.destroy();
      });
    }
  }
}
