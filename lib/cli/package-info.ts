// Where the package lives (the CLI runs from dist/cli/ or, under ts-jest, lib/cli/) and its version.
import * as fs from 'fs';
import * as path from 'path';

/** The package root: the folder holding package.json, two levels above this file. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
