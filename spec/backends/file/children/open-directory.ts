/**
 * Opens the file driver on a directory as an unprivileged user (root writes through mode
 * bits), and prints the error's name and message. Argument: the directory.
 */
import { FileDriver } from '../../../../lib/backends/file/driver';
import { LockDirectory } from '../../../../lib/backends/file/lock-directory';

const NOBODY = 65534;
process.setgid?.(NOBODY);
process.setuid?.(NOBODY);
try {
  new FileDriver(new LockDirectory(process.argv[2])).close();
  process.stdout.write('opened\n');
} catch (err) {
  process.stdout.write(`${(err as Error).name}: ${(err as Error).message}\n`);
}
