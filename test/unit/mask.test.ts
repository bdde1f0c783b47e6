import { MASK, maskEventMeta, maskPaths } from '../../src/model/mask';

describe('masking by path', () => {
  it('masks top-level, nested and per-element paths, and leaves the original as it was', () => {
    const input = {
      ssn: '123',
      card: { number: '4111', expiry: '12/30' },
      items: [{ secret: 'a', n: 1 }, { secret: 'b', n: 2 }, 'plain'],
      tags: ['x', 'y'],
      keep: true,
    };
    const before = JSON.stringify(input);
    const out = maskPaths(
      ['ssn', 'card.number', 'items[].secret', 'tags[]', 'missing.path'],
      input,
    );
    expect(out).toEqual({
      ssn: MASK,
      card: { number: MASK, expiry: '12/30' },
      items: [{ secret: MASK, n: 1 }, { secret: MASK, n: 2 }, 'plain'],
      tags: [MASK, MASK],
      keep: true,
    });
    expect(JSON.stringify(input)).toBe(before);
    // Nothing to mask: the same object back.
    expect(maskPaths(['nope'], input)).toBe(input);
    expect(maskPaths([], input)).toBe(input);
    expect(maskPaths(['a'], 'text')).toBe('text');
  });

  it("masks an event's meta at its root and inside payload, input and result", () => {
    const meta = { signal: 'approve', card: { number: '4111' }, payload: { ssn: '1' } };
    expect(maskEventMeta(['card.number', 'ssn'], meta)).toEqual({
      signal: 'approve',
      card: { number: MASK },
      payload: { ssn: MASK },
    });
    expect(maskEventMeta(['x'], null)).toBeNull();
  });
});
