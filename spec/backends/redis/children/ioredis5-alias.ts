/**
 * Preload (`node -r`) for lifecycle-child.ts: makes `require('ioredis')` load the aliased dev
 * dependency `ioredis5`, everywhere in the process, the library included. The library's
 * default client is made by `require('ioredis')`, so this is how a spec can run it on ioredis 5
 * the way a project that installed ioredis 5 would.
 */
import Module from 'node:module';

type Resolve = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolve };
const resolve = loader._resolveFilename;

loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  const aliased = request === 'ioredis' || request.startsWith('ioredis/') ? `ioredis5${request.slice('ioredis'.length)}` : request;
  return resolve.call(this, aliased, ...rest);
};
