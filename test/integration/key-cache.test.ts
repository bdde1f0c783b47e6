import { randomBytes } from 'node:crypto';
import { KeyStore } from '../../src/auth/key-store';
import { Role } from '../../src/model/enums';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

/** The key cache is bounded, and made-up keys cannot push valid ones out of it. */
describe('key cache', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ bullmqWorker: false });
  });
  afterAll(() => stack.close());

  it('keeps a valid key cached while 12,000 distinct made-up keys are tried, and asks Postgres once per made-up key', async () => {
    const keys = new KeyStore(stack.app.ds, undefined, 60_000, { maxKeys: 100, maxUnknown: 1000 });
    const { secret } = await keys.create('key-cache', Role.VIEWER);
    expect(await keys.authenticate(secret)).toMatchObject({ tenant: 'key-cache' });
    const afterValid = keys.lookups;
    const made = Array.from(
      { length: 12_000 },
      () => `jg_${randomBytes(32).toString('base64url')}`,
    );
    for (let i = 0; i < made.length; i += 50) {
      const got = await Promise.all(made.slice(i, i + 50).map((k) => keys.authenticate(k)));
      expect(got.every((p) => p === null)).toBe(true);
    }
    expect(keys.lookups - afterValid).toBe(12_000);
    // Still cached: no look-up.
    expect(await keys.authenticate(secret)).toMatchObject({ tenant: 'key-cache' });
    expect(keys.lookups - afterValid).toBe(12_000);
    // The last made-up keys are answered from the cache of unknown keys.
    await keys.authenticate(made[made.length - 1]);
    expect(keys.lookups - afterValid).toBe(12_000);
  }, 60_000);
});
