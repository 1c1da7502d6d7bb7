import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The library runs on Node only: type-checking it with the DOM's globals would let code use
 * browser APIs (or the DOM's version of a shared one, such as `setTimeout`'s return type) that
 * do not exist at run time.
 */
describe('type-checking environment', function () {
  it("compiles against Node's globals, without the DOM lib", function () {
    const tsconfig = JSON.parse(readFileSync(join(__dirname, '..', '..', 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { lib?: string[] };
    };
    expect((tsconfig.compilerOptions.lib ?? []).map((l) => l.toLowerCase())).not.to.include('dom');
    // A compile-time check as well: with the DOM lib, this expected error would be missing.
    // @ts-expect-error `document` is a DOM global, unknown to Node.
    expect(typeof document).to.equal('undefined');
  });
});
