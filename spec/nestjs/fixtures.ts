import 'reflect-metadata';
import { Test, type TestingModule } from '@nestjs/testing';
import type { ModuleMetadata } from '@nestjs/common';

/** A compiled and initialised testing module, Nest's own logging silenced (failures still throw). */
export async function startContext(metadata: ModuleMetadata): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule(metadata).setLogger(silentLogger).compile();
  await moduleRef.init();
  return moduleRef;
}

/** A Nest logger that says nothing: the specs assert on outcomes, not log lines. */
export const silentLogger = { log() {}, error() {}, warn() {}, debug() {}, verbose() {}, fatal() {} };

/** A promise with its resolve function outside, to hold work open until the test says so. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
