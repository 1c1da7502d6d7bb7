/**
 * How the scenarios open and close clients of each backend, and read each server's request
 * counters. The bench owns every client it opens and closes them all, so none keeps the
 * process alive.
 */
import type { Etcd3 } from 'etcd3';
import type { Client as MemjsClient } from 'memjs';
import type { Connector } from './peers/peer';

/** memjs clients of the memcached at `address` (`host:port`), one connection each. */
export function memcachedConnector(address: string): Connector<MemjsClient> {
  return {
    open() {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const memjs = require('memjs') as typeof import('memjs');
      // memjs gives up on a reply after 0.5 s by default, which a busy 2-core machine exceeds
      // (a contended run failed with "socket timed out waiting on response"): 5 s here.
      return Promise.resolve(memjs.Client.create(address, { retries: 0, timeout: 5, conntimeout: 5, logger: { log: () => undefined } }));
    },
    close(clients) {
      for (const c of clients) c.close();
      return Promise.resolve();
    },
  };
}

/** etcd3 clients of the etcd at `url`. */
export function etcdConnector(url: string): Connector<Etcd3> {
  return {
    open() {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Etcd3: Etcd3Client } = require('etcd3') as typeof import('etcd3');
      return Promise.resolve(new Etcd3Client({ hosts: url }));
    },
    close(clients) {
      for (const c of clients) c.close();
      return Promise.resolve();
    },
  };
}

/**
 * etcd's received gRPC messages so far (unary requests and stream messages such as lease
 * keepalives), from its Prometheus `/metrics`: the etcd side of "server requests".
 */
export async function etcdRequestCounter(url: string): Promise<{ requests: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let requests = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('grpc_server_msg_received_total{')) requests += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return { requests };
}

/** etcd's version, from its `/version` endpoint. */
export async function etcdVersion(url: string): Promise<string> {
  const body = (await (await fetch(`${url}/version`)).json()) as { etcdserver?: string };
  return body.etcdserver ?? 'unknown';
}
