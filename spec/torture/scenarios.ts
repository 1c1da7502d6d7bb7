/**
 * The torture scenarios. Each one runs against one backend, bounds its loops in count and
 * time, and returns figures; the callers (the mocha spec, the long runner) assert on them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isLockConfigurationError, isLockError, isLockLostError, type Lock, type LockHandle } from '../../lib';
import { check, killedHolderEarliness, parseLog, type HoldRecord } from './checker';
import { now, sleep } from './clock';
import { contend, newLock, openClient, type BackendKind, type ClientStats, type ContendPlan, type LockSettings } from './clients';
import { TcpProxy } from './proxy';
import type { TortureBackend } from './servers';
import { spawnWorker, type WorkerProcess } from './spawn';
import type { WorkerPlan } from './worker';

/** Figures of one scenario on one backend. */
export interface Figures {
  backend: BackendKind;
  scenario: string;
  grants: number;
  overlaps: number;
  /** Longest overlap, ms. */
  overlapMaxMs: number;
  fencingViolations: number;
  lateGrants: number;
  faults: Record<string, number>;
  /**
   * Lost-signal lead times (ms): when another client sent the attempt that got the lock minus
   * when LockLostError fired (the grant cannot have happened before it was sent).
   */
  leads: number[];
  /**
   * Per lead, the round trip of that winning attempt (ms). A lead is a failure only when the
   * grant was answered before the signal (lead + round trip < 0): when the signal fired while
   * the attempt was in flight, which came first on the server is not known at this resolution
   * (a server that is slow to read the request makes the lead look negative by its delay).
   */
  leadRoundTrips: number[];
  /**
   * Lead trials whose holder lost the lock (its renewal missed the deadline on an overloaded
   * machine) before the fault was injected: they measure nothing, and losing the lock when
   * the deadline passes is the right behaviour. Too many of them fail the run.
   */
  inconclusiveLeads: number;
  /** Holder SIGKILL: how early the next grant came (ms, <= 0 passes). */
  killEarliness: number[];
  leakedKeys: number;
  badInputFailures: string[];
  /** Errors that reached a caller, by code; `untyped:*` are not LockErrors. */
  errors: Record<string, number>;
  /** Worker processes that hit their hard timer or crashed. */
  workerFailures: string[];
  runMs: number;
  /** Examples of what went wrong, for the report. */
  samples: string[];
}

function figures(backend: BackendKind, scenario: string): Figures {
  return {
    backend, scenario, grants: 0, overlaps: 0, overlapMaxMs: 0, fencingViolations: 0, lateGrants: 0, faults: {}, leads: [], leadRoundTrips: [],
    inconclusiveLeads: 0, killEarliness: [], leakedKeys: 0, badInputFailures: [], errors: {}, workerFailures: [], runMs: 0, samples: [],
  };
}

const runId = () => `t${randomBytes(3).toString('hex')}`;
const addFault = (f: Figures, kind: string) => (f.faults[kind] = (f.faults[kind] ?? 0) + 1);
const mergeErrors = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};
const untyped = (f: Figures) => Object.entries(f.errors).filter(([k]) => k.startsWith('untyped')).reduce((n, [, v]) => n + v, 0);
export { untyped };

function judge(f: Figures, records: HoldRecord[]): void {
  const result = check(records);
  f.grants += result.grants;
  f.overlaps += result.overlaps.length;
  f.fencingViolations += result.fencingViolations.length;
  f.lateGrants += result.lateGrants.length;
  for (const o of result.overlaps) f.overlapMaxMs = Math.max(f.overlapMaxMs, o.ms);
  for (const o of result.overlaps.slice(0, 3)) {
    f.samples.push(`overlap ${o.ms.toFixed(2)} ms on ${o.lock}: ${JSON.stringify(o.first)} / ${JSON.stringify(o.second)}`);
  }
  for (const v of result.fencingViolations.slice(0, 3)) f.samples.push(`fence ${v.previous.fence} then ${v.next.fence} on ${v.lock}`);
  for (const l of result.lateGrants.slice(0, 2)) f.samples.push(`late grant: valid until ${(l.validUntil! - l.start).toFixed(1)} ms after it was seen: ${JSON.stringify(l)}`);
}

/** A client address that goes through `proxy` (same scheme as the server's). */
function viaProxy(b: TortureBackend, proxy: TcpProxy): string {
  if (b.kind === 'redis') return `redis://127.0.0.1:${proxy.port}`;
  if (b.kind === 'etcd') return `http://127.0.0.1:${proxy.port}`;
  return `127.0.0.1:${proxy.port}`;
}

export interface ContentionOptions {
  processes: number;
  clientsPerProcess: number;
  durationMs: number;
  expire: number;
  /** Inject faults (victim SIGKILL, restart, proxy delay / black-hole / cut) in cycles. */
  faults: boolean;
  /** Promise style only, no hold(): the repro. */
  holdShare: number;
  locks: number;
  /** Server stalls (SIGSTOP) longer than expire, instead of the other faults. */
  stalls?: { count: number; ms: number; gapMs: number };
}

/**
 * Mutual exclusion under contention: worker processes (in-process clients for memory) loop
 * acquire/hold/release on a few locks while faults are injected; the checker judges the logs.
 */
export async function contention(b: TortureBackend, o: ContentionOptions, scenario: string): Promise<Figures> {
  const f = figures(b.kind, scenario);
  const t0 = now();
  const id = runId();
  const locks = Array.from({ length: o.locks }, (_, i) => `${id}-mx${i}`);
  const settings: LockSettings = { expire: o.expire, timeout: 3000, retryInterval: 20 };
  if (!b.external) {
    const records: HoldRecord[] = [];
    const stats: ClientStats = { grants: 0, errors: {} };
    // In-process contention is fast: a tenth of the time gives as many grants as the servers' runs.
    const until = now() + Math.min(o.durationMs, Math.max(3000, o.durationMs / 10));
    const plan: ContendPlan = { kind: b.kind, locks, settings, until, maxIterations: 100_000, maxHoldMs: 5, holdShare: o.holdShare };
    const n = o.processes * o.clientsPerProcess;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        contend({ ...plan, settings: { ...settings, autoRenew: i % 2 === 1 } }, b.store, `p0/${i}`, (r) => records.push(r), stats),
      ),
    );
    mergeErrors(f.errors, stats.errors);
    judge(f, records);
    f.runMs = now() - t0;
    return f;
  }

  const logDir = mkdtempSync(join(tmpdir(), 'sherlock-rx-torture-log-'));
  const proxies: TcpProxy[] = [];
  const workers: WorkerProcess[] = [];
  const victims: HoldRecord[] = [];
  try {
    for (let i = 0; i < o.processes; i++) {
      const p = new TcpProxy(b.host, b.port);
      await p.listen();
      proxies.push(p);
    }
    const startAt = now() + 2500; // worker start-up (~0.5 s each on 2 cores)
    const until = startAt + o.durationMs;
    const hardDeadline = until + 15_000;
    const plan = (i: number, extra: Partial<WorkerPlan> = {}): WorkerPlan => ({
      kind: b.kind, locks, settings: { ...settings, autoRenew: i % 2 === 1 }, until, maxIterations: 100_000, maxHoldMs: 5,
      holdShare: o.holdShare, id: `w${i}`, address: o.stalls || !proxies[i] ? b.address : viaProxy(b, proxies[i]!), clients: o.clientsPerProcess,
      logFile: join(logDir, `w${i}.jsonl`), startAt, hardDeadline, ...extra,
    });
    for (let i = 0; i < o.processes; i++) workers.push(spawnWorker(plan(i), hardDeadline - now() + 5000));
    await Promise.all(workers.map((w) => w.ready));
    const wait = startAt - now();
    if (wait > 0) await sleep(wait);

    if (o.stalls) {
      for (let s = 0; s < o.stalls.count && now() < until; s++) {
        await sleep(o.stalls.gapMs);
        b.stall();
        if (process.env.TORTURE_KEEP_LOGS) process.stderr.write(`stall at ${now()}\n`);
        addFault(f, 'stall');
        await sleep(o.stalls.ms);
        b.resume();
      }
    } else if (o.faults) {
      const expireSlack = b.kind === 'redis' ? 0 : 2000; // etcd's lease is >= 2 s; memcached rounds up to whole seconds + 1
      // A cycle takes about 4 s plus the killed holder's expiry: start one only if it fits.
      for (let cycle = 0; now() < until - (4000 + o.expire + expireSlack) && cycle < 1000; cycle++) {
        const pick = () => proxies[Math.floor(Math.random() * proxies.length)]!;
        const slow = pick();
        slow.delay(50 + Math.random() * 150);
        addFault(f, 'proxy delay');
        await sleep(600);
        slow.pass();
        const hole = pick();
        hole.blackhole();
        addFault(f, 'proxy black-hole');
        await sleep(o.expire * 1.5);
        hole.cut();
        hole.pass();
        await sleep(300);
        pick().cut();
        addFault(f, 'proxy cut');
        await sleep(300);
        await b.restart();
        addFault(f, 'server restart');
        await sleep(500);
        // Holder SIGKILL: a victim joins the contention; once it reports a hold, it dies.
        const vi = o.processes + cycle;
        const victim = spawnWorker(plan(vi, { clients: 1, holdShare: 1, victimAt: now() + 600, until: now() + 10_000, settings: { ...settings, timeout: 10_000 } }), 30_000);
        workers.push(victim);
        const line = await Promise.race([victim.waitFor('HOLDING '), sleep(6000).then(() => undefined)]).catch(() => undefined);
        victim.child.kill('SIGKILL');
        if (line) {
          addFault(f, 'holder SIGKILL');
          const rec = JSON.parse(line.slice('HOLDING '.length)) as HoldRecord;
          victims.push({ ...rec, end: rec.validUntil ?? rec.start + o.expire, style: 'victim' });
          await sleep(o.expire + expireSlack + 300);
        } else {
          f.workerFailures.push(`victim w${vi} never held a lock within 6 s`);
        }
      }
    }

    const codes = await Promise.all(workers.map((w) => w.exited));
    workers.forEach((w, i) => {
      const done = w.lines.find((l) => l.startsWith('DONE '));
      if (done) {
        const stats = JSON.parse(done.slice(5)) as ClientStats;
        mergeErrors(f.errors, stats.errors);
      } else if (!w.lines.some((l) => l.startsWith('HOLDING '))) {
        f.workerFailures.push(`worker ${i} exited ${codes[i]} without finishing: ${w.lines.slice(-3).join(' | ')}`);
      }
    });
    const records: HoldRecord[] = [...victims];
    for (const file of readdirSync(logDir)) records.push(...parseLog(readFileSync(join(logDir, file), 'utf8')));
    judge(f, records);
    for (const v of victims) {
      // The library's safety margin (1% of expire + 2 ms) plus 5 ms for the grant's round trip.
      const early = killedHolderEarliness(records, v, o.expire, o.expire * 0.01 + 2 + 5);
      if (early !== undefined) f.killEarliness.push(early);
    }
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    for (const p of proxies) await p.close();
    if (process.env.TORTURE_KEEP_LOGS) process.stderr.write(`logs kept in ${logDir}\n`);
    else rmSync(logDir, { recursive: true, force: true });
  }
  f.runMs = now() - t0;
  return f;
}

/**
 * Lost-signal lead time: A holds with autoRenew through a proxy that turns into a black hole;
 * B, direct, tries acquire(false) every few ms. Lead = B's first successful attempt (when it
 * was sent: the earliest the server can have granted it) minus the moment A's signal aborted
 * with LockLostError. Trials run `parallel` at a time, each on its own lock and proxy.
 */
export async function leadTime(b: TortureBackend, trials: number, parallel: number, expire: number): Promise<Figures> {
  const f = figures(b.kind, 'lost-signal lead');
  const t0 = now();
  const id = runId();
  const direct = openClient(b.kind, b.address);
  try {
    for (let done = 0; done < trials; ) {
      const batch = Math.min(parallel, trials - done);
      await Promise.all(Array.from({ length: batch }, (_, i) => leadTrial(b, direct.client, `${id}-lead${done + i}`, expire, f)));
      done += batch;
    }
  } finally {
    direct.close();
  }
  f.runMs = now() - t0;
  return f;
}

async function leadTrial(b: TortureBackend, directClient: unknown, name: string, expire: number, f: Figures): Promise<void> {
  const proxy = new TcpProxy(b.host, b.port);
  await proxy.listen();
  const a = openClient(b.kind, viaProxy(b, proxy));
  let handle: LockHandle | undefined;
  let bLock: Lock | undefined;
  try {
    const aLock = newLock(b.kind, name, a.client, { expire, timeout: 10_000, retryInterval: 20, autoRenew: true });
    handle = await aLock.hold();
    f.grants++;
    let lostAt: number | undefined;
    handle.signal.addEventListener('abort', () => {
      if (isLockLostError(handle!.signal.reason)) lostAt = now();
    });
    // Black-hole at a random phase of the renewal cycle (renewals run every expire / 3).
    await sleep(expire * (0.5 + Math.random()));
    if (handle.state !== 'held') {
      f.inconclusiveLeads++;
      if (!isLockLostError(handle.signal.reason)) f.samples.push(`${name}: ended before the fault (${String(handle.signal.reason)})`);
      return;
    }
    proxy.blackhole();
    addFault(f, 'proxy black-hole');
    bLock = newLock(b.kind, name, directClient, { expire: 30_000, timeout: 0, retryInterval: 20 });
    const bound = now() + expire * 4 + 5000;
    let grantedSentAt: number | undefined;
    let grantedRoundTrip = 0;
    for (let i = 0; i < 100_000 && now() < bound; i++) {
      const sentAt = now();
      try {
        if (await bLock.acquire(false)) {
          grantedSentAt = sentAt;
          grantedRoundTrip = now() - sentAt;
          break;
        }
      } catch (err) {
        const key = isLockError(err) ? err.code : 'untyped';
        f.errors[key] = (f.errors[key] ?? 0) + 1;
      }
      await sleep(3);
    }
    if (grantedSentAt === undefined) {
      f.samples.push(`${name}: B never acquired within ${bound} ms`);
      f.leads.push(-Infinity); // a lock nobody can take again is a failure of its own
      f.leadRoundTrips.push(0);
      return;
    }
    f.grants++;
    // A's signal may still be due: wait for it (bounded) so a negative lead gets its size.
    for (let i = 0; i < 400 && lostAt === undefined && now() < bound + expire; i++) await sleep(5);
    if (lostAt === undefined) f.samples.push(`${name}: A's signal never fired although B holds the lock`);
    f.leads.push(grantedSentAt - (lostAt ?? Infinity));
    f.leadRoundTrips.push(grantedRoundTrip);
    await bLock.release().catch(() => undefined);
  } finally {
    proxy.cut();
    await proxy.close();
    a.close();
  }
}

/**
 * Cancellation: random unsubscribe / timeout / abort timings while requests are in flight
 * (through a proxy adding a few ms each way); afterwards no key or queue entry may remain.
 */
export async function cancellation(b: TortureBackend, ops: number, concurrency: number): Promise<Figures> {
  const f = figures(b.kind, 'cancellation');
  const t0 = now();
  const id = runId();
  const names = Array.from({ length: 4 }, (_, i) => `${id}-cx${i}`);
  let proxy: TcpProxy | undefined;
  if (b.external) {
    proxy = new TcpProxy(b.host, b.port);
    await proxy.listen();
    proxy.delay(3);
  }
  const c = openClient(b.kind, proxy ? viaProxy(b, proxy) : b.address, b.store);
  // Long expiry: a leaked key must still be there when we look.
  const settings: LockSettings = { expire: 30_000, timeout: 2000, retryInterval: 10 };
  const fail = (err: unknown, allowAbort = false) => {
    if (allowAbort && (err as Error)?.name === 'AbortError') return;
    const key = isLockError(err) ? err.code : `untyped:${String(err).slice(0, 60)}`;
    f.errors[key] = (f.errors[key] ?? 0) + 1;
  };
  const jitter = () => Math.random() * 40;
  const one = async (): Promise<void> => {
    const lock = newLock(b.kind, names[Math.floor(Math.random() * names.length)]!, c.client, settings);
    const kind = Math.floor(Math.random() * 5);
    if (kind === 0) {
      // acquire$ unsubscribed at a random moment: before, during or after the grant.
      await new Promise<void>((resolve) => {
        const sub = lock.acquire$().subscribe({ next: () => f.grants++, error: (e) => (fail(e), resolve()), complete: resolve });
        setTimeout(() => (sub.unsubscribe(), resolve()), jitter());
      });
    } else if (kind === 1) {
      const ok = await lock.acquire({ timeout: jitter() }).catch((e) => (isLockError(e) && e.code === 'ELOCKTIMEOUT' ? false : (fail(e), false)));
      if (ok) {
        f.grants++;
        await lock.release().catch(fail);
      }
    } else if (kind === 2) {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), jitter());
      const h = await lock.hold({ signal: ac.signal }).catch((e) => (fail(e, true), undefined));
      if (h) {
        f.grants++;
        await sleep(Math.random() * 3);
        await h.release().catch(fail);
      }
    } else if (kind === 3) {
      const ok = await lock.acquire(false).catch((e) => (fail(e), false));
      if (ok) {
        f.grants++;
        await lock.release().catch(fail);
      }
    } else {
      // A blocking hold() whose abort may land right after the grant.
      const ac = new AbortController();
      const h = lock.hold({ signal: ac.signal, timeout: 2000 });
      setTimeout(() => ac.abort(), jitter());
      const held = await h.catch((e) => (fail(e, true), undefined));
      if (held) {
        f.grants++;
        await held.release().catch(fail);
      }
    }
  };
  try {
    let started = 0;
    const deadline = now() + 60_000;
    const lane = async () => {
      while (started < ops && now() < deadline) {
        started++;
        await one();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    // Background releases of cancelled grants take a round trip or two.
    let present = 0;
    for (let i = 0; i < 60; i++) {
      present = await b.present(names);
      if (present === 0) break;
      await sleep(25);
    }
    f.leakedKeys = present;
    if (present) f.samples.push(`${present} of ${names.join(', ')} still present after 1.5 s`);
  } finally {
    c.close();
    await proxy?.close();
  }
  f.runMs = now() - t0;
  return f;
}

/** One row of the bad-input table: what the caller does, and why it must be refused. */
interface BadInput {
  what: string;
  run(kind: BackendKind, client: unknown): Promise<unknown>;
  /** Raw names to look for afterwards (a lone surrogate is written as U+FFFD in UTF-8). */
  names: string[];
}

function badInputs(kind: BackendKind): BadInput[] {
  const construct = (what: string, name: unknown, opts: Record<string, unknown> = {}, names: string[] = []): BadInput => ({
    what,
    names: [...names, ...(typeof name === 'string' ? [name] : [])],
    async run(k, client) {
      const lock = newLock(k, name as string, client, { expire: 5000, timeout: 0, retryInterval: 10, ...opts } as LockSettings);
      // Had it been accepted, this is what a caller would do next: all of it touches the backend.
      if (await lock.acquire(false)) await lock.release();
      return lock.locked();
    },
  });
  const acquireWith = (what: string, options: unknown): BadInput => ({
    what,
    names: ['job-ok'],
    async run(k, client) {
      const lock = newLock(k, 'job-ok', client, { expire: 5000, timeout: 0, retryInterval: 10 });
      if (await lock.acquire(options as never)) await lock.release();
    },
  });
  const rows: BadInput[] = [
    construct("lone high surrogate 'job\\ud800'", 'job\ud800', {}, ['job\ufffd']),
    construct("lone low surrogate 'job\\udfff'", 'job\udfff', {}, ['job\ufffd']),
    construct('C1 control U+0080', 'job\u0080'),
    construct('C1 control U+0085 (NEL)', 'job\u0085'),
    construct('C1 control U+009F', 'job\u009f'),
    construct('C0 control U+0000', 'job\u0000'),
    construct('C0 control newline', 'job\n'),
    construct('C0 control U+001F', 'job\u001f'),
    construct('DEL U+007F', 'job\u007f'),
    construct('empty name', ''),
    construct('name of 201 characters', 'j'.repeat(201)),
    construct('name not a string', 42),
    construct("namespace with a lone surrogate", 'job', { namespace: 'ns\ud800' }, ['ns\ufffd_job', 'ns\ufffd/job']),
    construct('empty namespace', 'job', { namespace: '' }),
    construct('expire 0', 'job-e0', { expire: 0 }),
    construct('expire -1', 'job-e1', { expire: -1 }),
    construct('expire NaN', 'job-e2', { expire: NaN }),
    construct('expire Infinity', 'job-e3', { expire: Infinity }),
    construct("expire '1000' (a string)", 'job-e4', { expire: '1000' }),
    construct('expire 5 (below the 10 ms minimum)', 'job-e5', { expire: 5 }),
    construct('expire above 50 years', 'job-e6', { expire: 50 * 365 * 24 * 3600 * 1000 + 1 }),
    construct('retryInterval 2^31', 'job-r2', { retryInterval: 2 ** 31 }),
    construct('timeout -1', 'job-t1', { timeout: -1 }),
    construct('timeout NaN', 'job-t2', { timeout: NaN }),
    construct('retryInterval -5', 'job-r1', { retryInterval: -5 }),
    construct("autoRenew 'yes'", 'job-a1', { autoRenew: 'yes' }),
    construct('unknown option expir', 'job-u1', { expir: 5 }),
    acquireWith('acquire({ timeout: -1 })', { timeout: -1 }),
    acquireWith("acquire({ blocking: 'no' })", { blocking: 'no' }),
    acquireWith('acquire({ signal: {} })', { signal: {} }),
    acquireWith('acquire({ timeout: NaN })', { timeout: NaN }),
  ];
  if (kind === 'redis') rows.push(construct("redis: '{' in the name", 'job{x}', {}, ['job{x}']));
  if (kind === 'memcached') {
    rows.push(construct('memcached: space in the name', 'job x', {}, ['job x']));
    rows.push(construct('memcached: name ending in #fence', 'job#fence', {}, ['job#fence']));
    rows.push(construct('memcached: key over 250 bytes', 'é'.repeat(130), {}, []));
  }
  if (kind === 'etcd') rows.push(construct("etcd: '/' in the name", 'a/job', {}, ['a/job', 'a']));
  return rows;
}

/**
 * The bad-input table: each row must throw (or reject with) LockConfigurationError and leave
 * the backend untouched, read back with a raw client. A valid acquire at the end must be
 * seen by the same read-back, so the check itself can fail.
 */
export async function badInput(b: TortureBackend): Promise<Figures> {
  const f = figures(b.kind, 'bad input');
  const t0 = now();
  const c = openClient(b.kind, b.address, b.store);
  try {
    for (const row of badInputs(b.kind)) {
      const before = await b.snapshot(row.names);
      let outcome: unknown;
      try {
        outcome = await Promise.race([row.run(b.kind, c.client).then(() => 'accepted'), sleep(5000).then(() => 'hung for 5 s')]);
      } catch (err) {
        outcome = err;
      }
      // Anything the call started in the background has landed by now.
      await sleep(b.external ? 30 : 1);
      const after = await b.snapshot(row.names);
      const problems: string[] = [];
      if (!isLockConfigurationError(outcome)) {
        problems.push(typeof outcome === 'string' ? outcome : `threw ${(outcome as Error)?.name}: ${String((outcome as Error)?.message).slice(0, 80)}`);
      }
      if (before !== after) problems.push('backend written');
      if (problems.length) f.badInputFailures.push(`${row.what}: ${problems.join(', ')}`);
      f.grants++;
    }
    // The detector must see a real write, or the table above proves nothing.
    const before = await b.snapshot(['job-control']);
    const lock = newLock(b.kind, 'job-control', c.client, { expire: 5000, timeout: 0, retryInterval: 10 });
    if (await lock.acquire(false)) await lock.release();
    await sleep(b.external ? 30 : 1);
    if (b.kind !== 'memory' && (await b.snapshot(['job-control'])) === before) {
      f.badInputFailures.push('control: a valid acquire/release was not seen by the read-back');
    }
  } finally {
    c.close();
  }
  f.runMs = now() - t0;
  return f;
}
