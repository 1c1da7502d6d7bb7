import { expect } from 'chai';
import { MAX_RELATIVE_EXPIRY_SECONDS, SERVER_CLOCK_SLACK_SECONDS, serverExpiry } from '../../../lib/backends/memcached/expiry';
import { validUntil } from '../../../lib/core/validity';
import { MemcachedClockModel } from './server-clock';

describe('memcached expiry', () => {
  it('rounds up to whole seconds and adds the server clock slack', () => {
    expect(SERVER_CLOCK_SLACK_SECONDS).to.equal(3);
    expect(serverExpiry(1)).to.equal(4);
    expect(serverExpiry(1000)).to.equal(4);
    expect(serverExpiry(1001)).to.equal(5);
    expect(serverExpiry(60_000)).to.equal(63);
  });

  it('sends 0 (no expiry) for a lock that never expires', () => {
    expect(serverExpiry(null)).to.equal(0);
  });

  it('keeps relative seconds up to 30 days', () => {
    const ms = (MAX_RELATIVE_EXPIRY_SECONDS - SERVER_CLOCK_SLACK_SECONDS) * 1000;
    expect(serverExpiry(ms)).to.equal(MAX_RELATIVE_EXPIRY_SECONDS);
  });

  it('sends an absolute Unix time beyond 30 days', () => {
    const now = 1_800_000_000_500;
    const ms = 31 * 86_400_000;
    expect(serverExpiry(ms, now)).to.equal(1_800_000_001 + 31 * 86_400 + SERVER_CLOCK_SLACK_SECONDS);
  });

  describe('against a model of the server clock', () => {
    const expiries = [10, 500, 999, 1000, 1001, 2500, 10_000];

    /**
     * The shortest life, among items stored every millisecond, of an item stored for `expire`
     * ms, less the holder's local validity: negative means another client could take the
     * lock while its holder still believed it held it.
     */
    function worstLead(clock: MemcachedClockModel, from: number, expire: number): number {
      let worst = Infinity;
      for (let storedAt = from; ; storedAt++) {
        const death = clock.deathOf(storedAt, serverExpiry(expire));
        if (death === undefined) break;
        // The request was sent no later than the server stored the item.
        worst = Math.min(worst, death - validUntil(storedAt, expire)!);
      }
      return worst;
    }

    it('outlives the local validity when the tick phase crosses a second boundary (the clock jumps by 2)', () => {
      // Ticks 1 ms late each, starting 30 ms before a second boundary: within 40 ticks one of
      // them moves the clock forward by 2.
      const clock = MemcachedClockModel.ticking(999_970, 40, () => 1);
      let jumped = false;
      for (let t = 1_000_000; t < clock.end - 2000; t += 1000) if (clock.clockAt(t + 1000) - clock.clockAt(t) >= 2) jumped = true;
      expect(jumped, 'the model never jumps: the scenario tests nothing').to.equal(true);
      for (const expire of expiries) {
        expect(worstLead(clock, 1_000_000, expire), `expire ${expire} ms`).to.be.greaterThan(0);
      }
    });

    it('outlives the local validity when the main thread ticks up to 900 ms late', () => {
      // The worst case for a late tick: the clock read its value just before a second boundary
      // (phase .999), the next tick comes `late` ms late, and the one after is late just
      // enough to land right after a boundary, so the item dies as early as the clock allows.
      for (const late of [15, 50, 300, 900]) {
        const t0 = 1_000_999;
        const t1 = t0 + 1000 + late;
        const t2 = Math.ceil((t1 + 1000) / 1000) * 1000 + 1;
        const ticks = [t0, t1, t2];
        while (ticks.length < 40) ticks.push(ticks[ticks.length - 1] + 1001);
        const clock = new MemcachedClockModel(ticks);
        for (const expire of expiries) {
          expect(worstLead(clock, t0, expire), `expire ${expire} ms, tick ${late} ms late`).to.be.greaterThan(0);
        }
      }
    });
  });
});
