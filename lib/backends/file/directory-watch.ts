/**
 * Wake-on-release: one `fs.watch` (inotify on Linux) on the lock directory, shared by every
 * waiter of one driver, so a release in any process on this host (Python's included: it
 * deletes the state file too) wakes the waiters at once. Expiries make no event, so the core
 * keeps polling as well (`notifiesEveryRelease` is unset); where the watch cannot be set up
 * (inotify limits, some network file systems) the waiters only poll.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { Observable, Subject } from 'rxjs';

/** A shared, reference-counted watch of one directory, reporting the names of deleted files. */
export class DirectoryWatch {
  private watcher: FSWatcher | undefined;
  private users = 0;
  private deletions = new Subject<string | null>();

  constructor(private readonly directory: string) {}

  /**
   * Emits once `fileName` may have been deleted; errors if the directory cannot be watched.
   * The watch is armed when the subscription starts (inotify is set up synchronously).
   */
  deletionsOf(fileName: string): Observable<void> {
    return new Observable<void>((subscriber) => {
      try {
        this.retain();
      } catch (err) {
        subscriber.error(err);
        return undefined;
      }
      const subscription = this.deletions.subscribe({
        next: (name) => {
          if (name === null || name === fileName) subscriber.next();
        },
        error: (err: unknown) => subscriber.error(err),
      });
      return () => {
        subscription.unsubscribe();
        this.releaseOne();
      };
    });
  }

  /** Stops watching, whoever still listens. */
  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.users = 0;
  }

  private retain(): void {
    if (!this.watcher) {
      const watcher = watch(this.directory, { persistent: false }, (event, name) => {
        // A rename event is a creation or a deletion (a rename into place is a creation):
        // only a file that is gone means a release.
        if (event !== 'rename') return;
        const fileName = name === null ? null : String(name);
        if (fileName === null || !existsSync(join(this.directory, fileName))) this.deletions.next(fileName);
      });
      watcher.on('error', (err) => {
        // Waiters watching now fall back to polling; later ones try a fresh watch.
        const failed = this.deletions;
        this.deletions = new Subject<string | null>();
        this.close();
        failed.error(err);
      });
      this.watcher = watcher;
    }
    this.users++;
  }

  private releaseOne(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users === 0) this.close();
  }
}
