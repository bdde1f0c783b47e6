import { buildSchema } from 'graphql';
import { DocumentCache } from '../../src/server/document-cache';

const schema = buildSchema('type Query { me: String }');

describe('the WebSocket document cache', () => {
  it('is bounded by bytes: 1,500 distinct 100 kB documents keep at most its budget', () => {
    const budget = 8 * 1024 * 1024;
    const cache = new DocumentCache(schema, [], 128, budget);
    const pad = 'x'.repeat(100_000);
    for (let i = 0; i < 1500; i++) {
      const doc = cache.get(`{ me } # ${i} ${pad}`);
      expect('kind' in doc).toBe(true);
    }
    expect(cache.bytes).toBeLessThanOrEqual(budget);
    expect(cache.size).toBeLessThan(10);
    // Small documents are kept, and served from the cache.
    const a = cache.get('{ me }');
    expect(cache.get('{ me }')).toBe(a);
  });

  it('keeps no invalid document, so unique bad texts cannot push valid ones out', () => {
    const cache = new DocumentCache(schema, [], 128);
    const good = cache.get('{ me }');
    for (let i = 0; i < 2000; i++) {
      const r = cache.get(`{ nope${i} }`);
      expect(Array.isArray(r)).toBe(true);
    }
    expect(cache.size).toBe(1);
    expect(cache.get('{ me }')).toBe(good);
    expect(cache.get(`${'{'.repeat(500)}`)).toEqual([
      expect.objectContaining({ message: expect.stringContaining('128 levels') }),
    ]);
  });
});
