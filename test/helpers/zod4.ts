import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real zod 4, installed as `npm install zod@4` gives it to a user, in a temporary project. */
export interface Zod4Install {
  dir: string;
  /** `require('zod')` of that project. */
  zod: any;
  /** `require('zod/mini')` of that project. */
  mini: any;
  remove(): void;
}

export function installZod4(): Zod4Install {
  const dir = mkdtempSync(join(tmpdir(), 'jobgate-zod4-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'zod4-user', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', 'zod@4'], { cwd: dir, stdio: 'pipe' });
  const req = createRequire(join(dir, 'package.json'));
  return {
    dir,
    zod: req('zod'),
    mini: req('zod/mini'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
