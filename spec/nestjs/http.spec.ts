import 'reflect-metadata';
import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import { Controller, Get, HttpException, Module, Param, Post, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MemoryStore } from '../../lib';
import { memoryBackend } from '../../lib/entries/memory';
import { LockService, SherlockModule, WithLock } from '../../lib/entries/nestjs';
import { silentLogger } from './fixtures';

@Controller('orders')
class OrdersController {
  @Post(':id/ship')
  @WithLock((id: string) => `order-${id}`, { blocking: false })
  async ship(@Param('id') id: string): Promise<{ shipped: string }> {
    return { shipped: id };
  }

  // Decorators in the other order: the route metadata must survive the wrapping.
  @WithLock((id: string) => `order-${id}`, { timeout: 50 })
  @Post(':id/pack')
  async pack(@Param('id') id: string): Promise<{ packed: string }> {
    return { packed: id };
  }

  @Get('teapot')
  @WithLock('teapot')
  async teapot(): Promise<never> {
    throw new HttpException('short and stout', 418);
  }
}

async function startApp(sherlock: DynamicModule): Promise<{ app: INestApplication; url: string }> {
  @Module({ imports: [sherlock], controllers: [OrdersController] })
  class AppModule {}
  const app = await NestFactory.create(AppModule, { logger: silentLogger });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

describe('nestjs: HTTP answers for a busy lock', function () {
  let app: INestApplication | undefined;

  afterEach(async function () {
    await app?.close();
    app = undefined;
  });

  it('answers 409 with a body that names no lock when a non-blocking @WithLock route finds the lock held', async function () {
    const started = await startApp(SherlockModule.forRoot({ backend: memoryBackend, client: new MemoryStore() }));
    app = started.app;
    const holder = await app.get(LockService).lock('order-42').hold();
    const busy = await fetch(`${started.url}/orders/42/ship`, { method: 'POST' });
    expect(busy.status).to.equal(409);
    const body = await busy.json();
    expect(body).to.deep.equal({ statusCode: 409, message: 'The resource is locked by another operation; try again later.', code: 'ELOCKTIMEOUT' });
    const other = await fetch(`${started.url}/orders/43/ship`, { method: 'POST' });
    expect(other.status).to.equal(201);
    await holder.release();
    const free = await fetch(`${started.url}/orders/42/ship`, { method: 'POST' });
    expect(free.status).to.equal(201);
    expect(await free.json()).to.deep.equal({ shipped: '42' });
  });

  it('answers the busyHttpStatus chosen, after a blocking timeout too, whatever the decorator order', async function () {
    const started = await startApp(SherlockModule.forRoot({ backend: memoryBackend, client: new MemoryStore(), busyHttpStatus: 423 }));
    app = started.app;
    const holder = await app.get(LockService).lock('order-7').hold();
    const busy = await fetch(`${started.url}/orders/7/pack`, { method: 'POST' });
    expect(busy.status).to.equal(423);
    await holder.release();
    const free = await fetch(`${started.url}/orders/7/pack`, { method: 'POST' });
    expect(free.status).to.equal(201);
  });

  it('leaves other errors to Nest', async function () {
    const started = await startApp(SherlockModule.forRoot({ backend: memoryBackend, client: new MemoryStore() }));
    app = started.app;
    const res = await fetch(`${started.url}/orders/teapot`);
    expect(res.status).to.equal(418);
  });

  it('registers no filter with busyHttpStatus: false (a busy lock is then a 500 like any error)', async function () {
    const started = await startApp(SherlockModule.forRoot({ backend: memoryBackend, client: new MemoryStore(), busyHttpStatus: false }));
    app = started.app;
    const holder = await app.get(LockService).lock('order-1').hold();
    const busy = await fetch(`${started.url}/orders/1/ship`, { method: 'POST' });
    expect(busy.status).to.equal(500);
    await holder.release();
  });
});
