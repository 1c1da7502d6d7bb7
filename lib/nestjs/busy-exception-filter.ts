import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';
import { LockErrorCode, LockTimeoutError } from '../errors';

/**
 * Answers an HTTP request whose handler met a busy lock (`LockTimeoutError`: a non-blocking
 * `@WithLock` that found it held, a blocking one that timed out, or any `lock.hold()` in the
 * handler's call chain) with 409 Conflict, or the status given as `busyHttpStatus`.
 * `SherlockModule` registers it globally (`APP_FILTER`) unless `busyHttpStatus: false`.
 *
 * A filter rather than the decorator throwing `ConflictException`: the decorator does not know
 * whether it runs under an HTTP request, a cron tick or a message handler, and the same service
 * method serves all three; the typed `LockTimeoutError` stays what it is everywhere, and only
 * the HTTP boundary turns it into a status, including for locks taken deeper in a service.
 * The body names no lock (a key can carry internal identifiers): `{ statusCode, message, code }`.
 * Other contexts (RPC, WebSocket) get the error back unchanged.
 *
 * @example
 * ```ts
 * // Registered by SherlockModule; to use it without the module's registration:
 * SherlockModule.forRoot({ backend: backends.REDIS, busyHttpStatus: false });
 * app.useGlobalFilters(new LockBusyExceptionFilter(app.get(HttpAdapterHost), 423));
 * ```
 */
@Catch(LockTimeoutError)
export class LockBusyExceptionFilter implements ExceptionFilter<LockTimeoutError> {
  /**
   * @param adapterHost The application's HTTP adapter host (read on each error: the adapter is set once the app is created).
   * @param status The HTTP status of the answer. Default 409.
   */
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly status = 409,
  ) {}

  /** Writes the busy answer for an HTTP request; rethrows in any other context. */
  catch(error: LockTimeoutError, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() !== 'http' || !this.adapterHost.httpAdapter) return throwError(() => error);
    const body = { statusCode: this.status, message: 'The resource is locked by another operation; try again later.', code: LockErrorCode.TIMEOUT };
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), body, this.status);
  }
}
