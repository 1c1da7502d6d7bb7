import { expect } from 'chai';
import { LockConfigurationError, MemoryLock, RedisLock, MemcachedLock, EtcdLock } from '../../lib';

describe('lock name checks (every backend)', function () {
  const makers = { MemoryLock, RedisLock, MemcachedLock, EtcdLock } as const;
  const bad: Array<[string, string, RegExp]> = [
    ['a lone high surrogate', 'job\ud800', /lone UTF-16 surrogate/],
    ['a lone low surrogate', 'job\udfff', /lone UTF-16 surrogate/],
    ['a C1 control (U+0085, NEL)', 'job\u0085', /control characters/],
    ['a C1 control (U+009F)', 'job\u009f', /control characters/],
    ['DEL', 'job\u007f', /control characters/],
    ['a newline', 'job\n', /control characters/],
  ];
  for (const [Maker, make] of Object.entries(makers)) {
    for (const [what, name, message] of bad) {
      it(`${Maker} rejects a name with ${what}`, function () {
        expect(() => new make(name)).to.throw(LockConfigurationError, message);
        expect(() => new make('fine', { namespace: name })).to.throw(LockConfigurationError, message);
      });
    }
    it(`${Maker} accepts well-formed names outside the BMP and above U+009F`, function () {
      expect(() => new make('job-😀-\u00a0-é')).to.not.throw();
    });
  }
});
