import type { JobTypeDefinition } from '../../src/model/job-type';
import {
  compiledCount,
  prepareValidators,
  schemaProblem,
  validateInput,
} from '../../src/registry/input-validator';
import { DEFAULT_SCHEMA_LIMITS, schemaLimitProblem } from '../../src/registry/schema-limits';

const type = (name: string, version: string, inputSchema: Record<string, unknown>) =>
  ({ name, version, inputSchema, signalSchemas: {} }) as unknown as JobTypeDefinition;

describe('schema vetting', () => {
  it('keeps only the current version of a type compiled', () => {
    const before = compiledCount();
    for (let v = 0; v < 50; v++)
      expect(
        prepareValidators(type('vetted', `v${v}`, { maxLength: v }), DEFAULT_SCHEMA_LIMITS),
      ).toBeNull();
    expect(compiledCount() - before).toBe(1);
    expect(() => validateInput(type('vetted', 'v49', {}), 'x'.repeat(50))).toThrow(
      /must NOT have more than 49 characters/,
    );
  });

  it('walks a schema nested 200,000 levels deep without overflowing the stack', () => {
    let deep: unknown = {};
    for (let i = 0; i < 200_000; i++) deep = { items: deep };
    expect(schemaLimitProblem(deep, DEFAULT_SCHEMA_LIMITS)).toMatch(/not JSON|levels deep|bytes/);
  });

  it('refuses lookaround and backreferences, accepts what RE2 runs', () => {
    expect(
      schemaProblem(
        { inputSchema: { pattern: '(?<=a)b' }, signalSchemas: {} },
        DEFAULT_SCHEMA_LIMITS,
      ),
    ).toMatch(/does not compile/);
    expect(
      schemaProblem(
        {
          inputSchema: { type: 'object' },
          signalSchemas: { go: { patternProperties: { '(a)\\1': { type: 'string' } } } },
        },
        DEFAULT_SCHEMA_LIMITS,
      ),
    ).toMatch(/^signalSchemas\.go does not compile/);
    expect(
      schemaProblem(
        { inputSchema: { pattern: '^[a-z]+(\\d{2,4})?$' }, signalSchemas: {} },
        DEFAULT_SCHEMA_LIMITS,
      ),
    ).toBeNull();
  });

  it('accepts uniqueItems over scalars or a bounded array only', () => {
    const ok = [
      { uniqueItems: true, items: { type: 'string' } },
      { uniqueItems: true, maxItems: 1000 },
    ];
    for (const s of ok) expect(schemaLimitProblem(s, DEFAULT_SCHEMA_LIMITS)).toBeNull();
    expect(
      schemaLimitProblem({ uniqueItems: true, items: { type: 'object' } }, DEFAULT_SCHEMA_LIMITS),
    ).toMatch(/uniqueItems/);
  });
});
