/**
 * Counts the hops of one etcd `tryAcquire`: the inspector steps a child process statement by
 * statement from `EtcdDriver.tryAcquire` until etcd3's `commit()` sends the transaction, and
 * lists every project function entered on the way (the session is warm: another lock of the
 * same TTL is held, as in the usual case of a reused session).
 *
 *   node --experimental-websocket -r ts-node/register/transpile-only spec/backends/etcd/hop-trace.ts [root]
 *
 * `root` is a checkout to measure (default: this one); it needs node_modules and etcd on PATH.
 * Not a spec: stepping is slow and the numbers are for reading, not asserting.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(process.argv[2] ?? '.');

interface Pause {
  readonly fn: string;
  readonly url: string;
  readonly depth: number;
}

async function child(): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Etcd3 } = require(resolve(root, 'node_modules/etcd3'));
  const { startEtcd } = require(`${root}/spec/support/servers/etcd`);
  const { EtcdDriver } = require(`${root}/lib/backends/etcd/driver`);
  /* eslint-enable @typescript-eslint/no-require-imports */
  const server = await startEtcd();
  const client = new Etcd3({ hosts: server.url });
  const driver = new EtcdDriver(client);
  (globalThis as Record<string, unknown>).__hopTarget = EtcdDriver.prototype.tryAcquire;
  const warm = { name: 'warm', key: 'warm', token: 'tok-0', expire: 10_000 };
  await driver.tryAcquire(warm);
  console.log('READY');
  await new Promise((res) => process.stdin.once('data', res));
  const target = { name: 'hops', key: 'hops', token: 'tok-1', expire: 10_000 };
  console.log('RESULT', JSON.stringify(await driver.tryAcquire(target)));
  await driver.release(target);
  await driver.release(warm);
  await driver.close();
  client.close();
  await server.stop();
  process.exit(0);
}

function parent(): void {
  const proc = spawn(
    process.execPath,
    ['--inspect=127.0.0.1:0', '-r', 'ts-node/register/transpile-only', __filename, root, '--child'],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const scripts = new Map<string, string>();
  const pending = new Map<number, (result: Record<string, unknown>) => void>();
  const trace: Pause[] = [];
  let ws: WebSocket | undefined;
  let id = 0;
  let reached = false;
  let out = '';
  const send = (method: string, params: object = {}) => ws!.send(JSON.stringify({ id: ++id, method, params }));
  const post = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((res) => {
      pending.set(id + 1, res);
      send(method, params);
    });

  proc.stderr.on('data', (d: Buffer) => {
    const text = String(d);
    if (/Waiting for the debugger to disconnect/.test(text)) ws?.close();
    const url = /ws:\/\/\S+/.exec(text)?.[0];
    if (!url || ws) return;
    const socket = new WebSocket(url);
    ws = socket;
    socket.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data));
      if (msg.id) return pending.get(msg.id)?.(msg.result ?? {});
      if (msg.method === 'Debugger.scriptParsed') return scripts.set(msg.params.scriptId, msg.params.url);
      if (msg.method !== 'Debugger.paused') return;
      const top = msg.params.callFrames[0];
      const pause = { fn: top.functionName, url: scripts.get(top.location.scriptId) ?? '?', depth: msg.params.callFrames.length };
      trace.push(pause);
      if (!reached && /etcd3\/lib\/builder\.js$/.test(pause.url) && pause.fn === 'commit') reached = true;
      send(reached ? 'Debugger.resume' : 'Debugger.stepInto');
    };
    socket.onopen = async () => {
      await post('Runtime.enable');
      await post('Debugger.enable');
      // Library code is stepped over: only our own functions count.
      await post('Debugger.setBlackboxPatterns', { patterns: ['node_modules/', '^node:', 'internal/'] });
      await post('Runtime.runIfWaitingForDebugger');
    };
  });

  proc.stdout.on('data', async (d: Buffer) => {
    const before = out;
    out += String(d);
    if (before.includes('READY') || !out.includes('READY')) return;
    const { result } = (await post('Runtime.evaluate', { expression: 'globalThis.__hopTarget' })) as { result: { objectId: string } };
    await post('Debugger.setBreakpointOnFunctionCall', { objectId: result.objectId });
    // 0-based line of `async commit() {` body in etcd3 1.1.2's builder.js.
    await post('Debugger.setBreakpointByUrl', { urlRegex: 'etcd3/lib/builder\\.js$', lineNumber: 545 });
    proc.stdin.write('go\n');
  });

  proc.on('exit', () => {
    const rel = (u: string) => (u.includes('node_modules/') ? u.replace(/^.*node_modules\//, '') : u.replace(/^.*\/lib\//, 'lib/'));
    const calls: string[] = [];
    let prevDepth = 0;
    for (const t of trace) {
      if (calls.some((c) => c.endsWith(' commit'))) break;
      // A hop is entering a new frame (deeper than the last pause), not returning to a caller.
      if (t.depth > prevDepth && (t.url.includes('/lib/') || t.fn === 'commit')) calls.push(`${rel(t.url)} ${t.fn || '(anonymous)'}`);
      prevDepth = t.depth;
    }
    const file = (c: string) => c.split(' ')[0]!;
    const seen = new Set([file(calls[0] ?? '')]);
    let crossings = 0;
    let returns = 0;
    for (let i = 1; i < calls.length; i++) {
      if (file(calls[i]!) !== file(calls[i - 1]!)) {
        crossings++;
        if (seen.has(file(calls[i]!))) returns++;
      }
      seen.add(file(calls[i]!));
    }
    console.log(/RESULT.*/.exec(out)?.[0], `(${trace.length} pauses, reached commit: ${reached})`);
    console.log(calls.map((c, i) => `${String(i).padStart(2)} ${c}`).join('\n'));
    const files = new Set(calls.filter((c) => c.startsWith('lib/')).map(file));
    console.log(
      `calls after EtcdDriver.tryAcquire until commit(): ${calls.length - 1}; project files: ${files.size}; ` +
        `calls crossing into another file: ${crossings}, ${returns} of them back into a file already visited`,
    );
  });
}

if (process.argv.includes('--child')) void child();
else parent();
