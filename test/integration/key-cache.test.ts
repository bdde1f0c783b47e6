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

  it('serves a valid key past its TTL while it is checked again, and refuses it once the check finds it revoked', async () => {
    // Two stores on one database, as two gateways: one revokes, the other has the key cached.
    const gateway = new KeyStore(stack.app.ds, undefined, 300);
    const other = new KeyStore(stack.app.ds, undefined, 300);
    const { record, secret } = await other.create('key-cache-swr', Role.OPERATOR);
    expect(await gateway.authenticate(secret)).toMatchObject({ tenant: 'key-cache-swr' });
    await other.revoke(record.id);
    await new Promise((r) => setTimeout(r, 400)); // past the TTL, within two
    // Hold the table, as a slow Postgres would: the stale entry is answered at once.
    const runner = stack.app.ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query('LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE');
    const t0 = performance.now();
    expect(await gateway.authenticate(secret)).toMatchObject({ tenant: 'key-cache-swr' });
    expect(performance.now() - t0).toBeLessThan(100);
    // The periodic socket check waits for the answer instead.
    const strict = gateway.authenticate(secret, { waitIfStale: true });
    await new Promise((r) => setTimeout(r, 200));
    await runner.rollbackTransaction();
    await runner.release();
    expect(await strict).toBeNull();
    // Once the check has answered, the revoked key is refused.
    expect(await gateway.authenticate(secret)).toBeNull();
  });
});
