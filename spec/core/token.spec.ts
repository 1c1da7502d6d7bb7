import { expect } from 'chai';
import { newOwnerToken } from '../../lib/core/token';

describe('owner tokens', function () {
  it('are 32 lowercase hex characters, all distinct, across many batches and pool refills', function () {
    const tokens = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const token = newOwnerToken();
      expect(token).to.match(/^[0-9a-f]{32}$/);
      tokens.add(token);
    }
    expect(tokens.size).to.equal(10_000);
  });

  it('differ in their first 6 characters (what events show as the owner) from one acquisition to the next', function () {
    const prefixes = new Set<string>();
    for (let i = 0; i < 200; i++) prefixes.add(newOwnerToken().slice(0, 6));
    // 24 random bits each: a repeat among 200 has a chance of about 1 in 800.
    expect(prefixes.size).to.be.at.least(199);
  });
});
