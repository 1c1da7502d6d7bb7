import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The package's version, read from package.json at run time: the compiled file is
 * `dist/cli/version.js`, two levels below the package root, so this works from an install
 * without bundling the version into the build.
 */
export function packageVersion(): string {
  const file = join(__dirname, '..', '..', 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
