import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printJobgateSchema } from '../../resolvers/emit-schema';

const root = join(__dirname, '..', '..');

describe('schema/schema.graphql', () => {
  it('matches what the type-graphql classes emit (run `npm run schema` after changing them)', () => {
    expect(readFileSync(join(root, 'schema', 'schema.graphql'), 'utf8')).toBe(printJobgateSchema());
  });

  it('does not break the public API contract', () => {
    const out = execFileSync(
      process.execPath,
      [join(root, '..', 'shared', 'contract', 'check.mjs'), 'schema/schema.graphql'],
      { cwd: root },
    ).toString();
    expect(out).toContain('0 breaking');
  });
});
