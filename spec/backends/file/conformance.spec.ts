import { rmSync } from 'node:fs';
import { fileBackend } from '../../../lib/backends/file/descriptor';
import { lockFilesOf } from '../../../lib/backends/file/file-names';
import { LockDirectory } from '../../../lib/backends/file/lock-directory';
import { describeConformance } from '../../conformance/suite';
import { runPrefix } from '../../support/targets';
import { removeDirectories, scratchDirectory } from './support';

describe('file backend', function () {
  describeConformance(
    'file',
    async () => {
      const directory = new LockDirectory(scratchDirectory());
      return {
        backend: fileBackend,
        client: directory,
        forceDelete: async (key: string) => rmSync(lockFilesOf(directory.path, key).state, { force: true }),
        fencing: true,
        releaseNotification: true,
        // The file's expiry_time is written after the flock is taken, a little later than the
        // request the core counts from; a busy machine can make that a few hundred ms.
        serverExpirySlack: 1_000,
        prefix: runPrefix(),
      };
    },
    async () => {
      await fileBackend.closeDefaultClients();
      removeDirectories();
    },
  );
});
