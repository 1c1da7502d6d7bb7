import { expect } from 'chai';
import { formatExpiryTime, hasExpired, NO_EXPIRY, neverExpires, parseExpiryTime } from '../../../lib/backends/file/expiry-time';

describe('file backend: expiry_time', function () {
  const now = Date.UTC(2026, 10, 30, 6, 0, 36) * 1000 + 123_456; // microseconds

  it('writes now + expire as isoformat() does, with six fractional digits and +00:00', function () {
    expect(formatExpiryTime(1_500, now)).to.equal('2026-11-30T06:00:37.623456+00:00');
  });

  it('writes datetime.max in UTC for a lock that never expires, and reads it as never expiring', function () {
    expect(formatExpiryTime(null, now)).to.equal(NO_EXPIRY);
    expect(neverExpires(parseExpiryTime(NO_EXPIRY)!)).to.equal(true);
    expect(neverExpires(parseExpiryTime(formatExpiryTime(60_000, now))!)).to.equal(false);
  });

  it('reads back what it writes, to the microsecond', function () {
    expect(parseExpiryTime(formatExpiryTime(2_000, now))).to.equal(now + 2_000_000);
  });

  it('reads the forms Python may write: no fraction, another offset, Z', function () {
    const base = Date.UTC(2026, 10, 30, 6, 0, 36) * 1000;
    expect(parseExpiryTime('2026-11-30T06:00:36+00:00')).to.equal(base);
    expect(parseExpiryTime('2026-11-30T08:00:36.5+02:00')).to.equal(base + 500_000);
    expect(parseExpiryTime('2026-11-30T06:00:36Z')).to.equal(base);
  });

  it('refuses what is not an ISO-8601 date-time', function () {
    for (const text of ['', 'tomorrow', '2026-11-30', '1796018793']) expect(parseExpiryTime(text), text).to.equal(null);
  });

  it("decides expiry as Python does: expired only once now is past expiry_time", function () {
    expect(hasExpired(now, now)).to.equal(false);
    expect(hasExpired(now, now + 1)).to.equal(true);
  });
});
