import { expect } from 'chai';
import * as memjs from 'memjs';
import { encodeRequest, incrementExtras, Opcode, storeExtras } from '../../../lib/backends/memcached/protocol';

/** memjs's own encoder: the reference our requests must match byte for byte (plus the CAS it cannot write). */
const reference = (memjs as unknown as { Utils: { makeRequestBuffer(op: number, key: string, extras: Buffer | string, value: string, opaque: number): Buffer } }).Utils;

describe('memcached request encoding', () => {
  it('matches memjs\'s encoder for stores, increments and deletes, non-ASCII keys included', () => {
    const cases = [
      { opcode: Opcode.ADD, key: 'billing_report', extras: storeExtras(16, 33), value: 'f9d770fcd14b36aa00a79ba37f9b6275' },
      { opcode: Opcode.INCREMENT, key: 'billing_report#fence', extras: incrementExtras(1n, 1_800_000_000_000_000n, 0) },
      { opcode: Opcode.DELETE, key: 'namespace_ключ-名前' },
      { opcode: Opcode.GET, key: 'k' },
    ];
    for (const request of cases) {
      const ours = encodeRequest(request, 0xfffffffe);
      const theirs = reference.makeRequestBuffer(request.opcode, request.key, request.extras ?? '', request.value ?? '', 0xfffffffe);
      expect(ours.equals(theirs), `${request.opcode} ${request.key}`).to.equal(true);
    }
  });

  it('writes the CAS into the header, and zeros without one, whatever the memory it reuses held', () => {
    const cas = Buffer.from('0102030405060708', 'hex');
    const withCas = encodeRequest({ opcode: Opcode.DELETE, key: 'k', cas }, 7);
    expect(withCas.subarray(16, 24).equals(cas)).to.equal(true);
    for (let i = 0; i < 100; i++) {
      Buffer.allocUnsafe(64).fill(0xff); // dirty the pool the next request is cut from
      const plain = encodeRequest({ opcode: Opcode.DELETE, key: 'k' }, 7);
      expect(plain.subarray(4, 8).toString('hex')).to.equal('00000000');
      expect(plain.subarray(16, 24).toString('hex')).to.equal('0000000000000000');
    }
  });
});
