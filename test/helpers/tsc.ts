// Typing is checked by the compiler: tests run tsc on small programs and read its verdict.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * tsc's output on `source` as a file of this repository (which imports 'jobgate' by name);
 * '' when it compiles. `name` prefixes the scratch directory.
 */
export function compile(source: string, name: string): string {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  // Under dist/ so that 'zod' and the tsconfig paths resolve as for the repository's own code.
  const dir = mkdtempSync(join(ROOT, 'dist', `${name}-`));
  try {
    writeFileSync(join(dir, 'program.ts'), source);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../tsconfig.json',
        compilerOptions: { noEmit: true, types: ['node'] },
        files: ['program.ts'],
        include: [],
      }),
    );
    try {
      execFileSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
      return '';
    } catch (err) {
      return String((err as { stdout?: string }).stdout);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
