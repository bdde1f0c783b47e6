import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  CONFIG_END,
  CONFIG_START,
  configBlock,
  configRows,
  configTable,
  withConfigTable,
} from '../../scripts/config-table';
import { configSchema } from '../../src/config';

const README = join(__dirname, '..', '..', 'README.md');

describe('configTable', () => {
  it('has one row per variable of configSchema, in schema order', () => {
    const names = configRows().map((r) => r.name);
    expect(names).toEqual(Object.keys(configSchema.shape));
    const table = configTable().split('\n');
    expect(table[0]).toBe('| Variable | Default | Description |');
    expect(table).toHaveLength(names.length + 2);
  });

  it('shows defaults as set in the environment, and what has none', () => {
    const table = configTable();
    expect(table).toContain('| `PORT` | `4000` | HTTP and WebSocket port of the gateway |');
    expect(table).toContain('| `REDIS_URL` | `redis://127.0.0.1:6379` |');
    expect(table).toMatch(/\| `JOBGATE_ADMIN_KEY` \| unset \| /);
  });

  it('reads through transforms and refinements, and marks a variable without default as required', () => {
    const schema = z.object({
      A: z.string().describe('needed'),
      B: z
        .enum(['x', 'y'])
        .optional()
        .transform((v) => v ?? 'x')
        .describe('picked'),
      C: z.coerce
        .number()
        .refine((n) => n > 0)
        .default(3)
        .describe('a | pipe'),
    });
    expect(configTable(schema).split('\n').slice(2)).toEqual([
      '| `A` | **required** | needed |',
      '| `B` | unset | picked |',
      '| `C` | `3` | a \\| pipe |',
    ]);
  });

  it('refuses a variable without a description', () => {
    expect(() => configTable(z.object({ X: z.string().default('1') }))).toThrow(
      'config X has no .describe()',
    );
  });

  it('replaces only the block between the markers', () => {
    const readme = `# t\n\n${CONFIG_START}\nold\n${CONFIG_END}\n\nafter\n`;
    const out = withConfigTable(readme, '| T |');
    expect(out).toBe(`# t\n\n${CONFIG_START}\n| T |\n${CONFIG_END}\n\nafter\n`);
    expect(configBlock(out)).toBe('| T |');
  });
});

describe('README.md', () => {
  it('holds exactly the generated configuration table between its config markers', () => {
    expect(existsSync(README)).toBe(true);
    const block = configBlock(readFileSync(README, 'utf8'));
    if (block === null) throw new Error(`README.md has no ${CONFIG_START} ... ${CONFIG_END} block`);
    // On a mismatch: `npm run docs:config -- --write` regenerates it.
    expect(block).toBe(configTable());
  });
});
