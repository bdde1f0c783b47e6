import { hasNul, pgJson, pgText, sanitizeJsonText } from '../../src/store/pg-json';

const MiB = 1024 * 1024;

/** What Postgres should end up holding for `s`: NUL and lone surrogates as U+FFFD. */
const expected = (s: string): string =>
  (s as unknown as { toWellFormed(): string }).toWellFormed().replaceAll('\0', '\ufffd');

/** Best of three runs of `fn`, ms: the least disturbed by other work on the machine. */
function bestOf3(fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Adversarial strings of about `size` UTF-16 units. */
const adversarial = (size: number): Record<string, string> => ({
  backslashes: '\\'.repeat(size),
  backslashesBeforeNul: '\\'.repeat(size - 1) + '\0',
  escapedNulText: '\\u0000'.repeat(Math.floor(size / 6)),
  nulRun: '\0'.repeat(size),
  alternatingLone: '\ud800a'.repeat(Math.floor(size / 2)),
  loneLows: '\udc00'.repeat(size),
  highsThenLoneHighAtEnd: '\ud83d\ude00'.repeat(Math.floor(size / 2) - 1) + '\ud800',
  mixed: '\\\0\\\ud800\\\\u0000\udc00'.repeat(Math.floor(size / 10)),
});

describe('pgJson', () => {
  it('replaces NUL characters, which Postgres cannot store, and keeps escaped backslashes', () => {
    expect(pgJson({ s: 'a\u0000b\u0000' })).toBe('{"s":"a\\ufffdb\\ufffd"}');
    // A literal backslash followed by "u0000" is text, not a NUL.
    expect(pgJson({ s: '\\u0000' })).toBe(JSON.stringify({ s: '\\u0000' }));
    expect(pgJson({ s: '\\\\u0000' })).toBe(JSON.stringify({ s: '\\\\u0000' }));
    expect(JSON.parse(pgJson({ s: '\\\u0000' }))).toEqual({ s: '\\\ufffd' });
  });

  it('replaces lone surrogates, high or low, in values and keys, and keeps valid pairs', () => {
    const v = {
      '\ud800k': ['x\ud800', '\udc00y', 'a\ud83d\ude00b', '\ud800\ud800\udc00', 'end\ud83d'],
    };
    expect(JSON.parse(pgJson(v))).toEqual({
      '\ufffdk': ['x\ufffd', '\ufffdy', 'a\ud83d\ude00b', '\ufffd\ud800\udc00', 'end\ufffd'],
    });
    // Other escapes JSON.stringify writes are left alone.
    expect(pgJson('\u0001\u001f\n"')).toBe(JSON.stringify('\u0001\u001f\n"'));
    expect(pgJson(undefined)).toBe('null');
  });

  it('gives what a well-formed, NUL-free copy of any string would give (random strings)', () => {
    const alphabet = ['\\', 'u', '0', 'd', '8', 'f', '\0', '\ud800', '\udc00', '"', 'a', '\n'];
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let k = 0; k < 2000; k++) {
      let s = '';
      for (let j = rnd(24); j > 0; j--) s += alphabet[rnd(alphabet.length)];
      expect(JSON.parse(pgJson({ s }))).toEqual({ s: expected(s) });
      expect(JSON.parse(sanitizeJsonText(JSON.stringify(s)))).toBe(expected(s));
    }
  });

  it('handles 1 MiB adversarial strings correctly, in far under a second each', () => {
    const big = adversarial(MiB);
    for (const [name, s] of Object.entries(big)) {
      const out = pgJson({ s });
      expect({ name, ok: JSON.parse(out).s === expected(s) }).toEqual({ name, ok: true });
      expect(out).not.toContain('\\ud8');
      expect(out).not.toContain('\\udc');
      // A quadratic pass takes minutes on 1 MiB of these (the lookbehind it replaced took 658 ms
      // on 16,000 backslashes); a linear one takes milliseconds. The bound only guards a hang.
      const t = bestOf3(() => pgJson({ s }));
      expect({ name, underOneSecond: t < 1000 }).toEqual({ name, underOneSecond: true });
    }
    // The valid pairs and the escaped-backslash text came through unchanged.
    expect(JSON.parse(pgJson(big.escapedNulText))).toBe(big.escapedNulText);
    const pairs = big.highsThenLoneHighAtEnd;
    expect(JSON.parse(pgJson(pairs))).toBe(`${pairs.slice(0, -1)}\ufffd`);
  });

  it('scans a run of 500,000 backslashes before a NUL once (a 1 MiB body of them)', () => {
    const s = `${'\\'.repeat(500_000)}\0`;
    const json = JSON.stringify({ id: s });
    expect(json.length).toBeGreaterThan(MiB - 100_000);
    const out = sanitizeJsonText(json);
    expect(JSON.parse(out)).toEqual({ id: `${'\\'.repeat(500_000)}\ufffd` });
  });
});

describe('pgText', () => {
  it('replaces NUL and lone surrogates, keeps pairs, and passes null through', () => {
    expect(pgText('a\0b\ud800c\udc00\ud83d\ude00')).toBe('a\ufffdb\ufffdc\ufffd\ud83d\ude00');
    expect(pgText('plain')).toBe('plain');
    expect(pgText(null)).toBeNull();
    expect(pgText(undefined)).toBeUndefined();
  });

  it('is linear on 1 MiB adversarial strings', () => {
    const big = adversarial(MiB);
    const small = adversarial(MiB / 16);
    for (const [name, s] of Object.entries(big)) {
      expect(pgText(s)).toBe(expected(s));
      const ratio =
        bestOf3(() => pgText(s)) /
        Math.max(
          bestOf3(() => pgText(small[name])),
          0.05,
        );
      expect({ name, ratio: ratio < 64 }).toEqual({ name, ratio: true });
    }
  });
});

describe('hasNul', () => {
  it('finds NUL in JSON text and in raw bytes', () => {
    expect(hasNul(JSON.stringify({ a: 'x\u0000' }))).toBe(true);
    expect(hasNul(Buffer.from('{"a":"\\u0000"}'))).toBe(true);
    expect(hasNul('{"a":"ok"}')).toBe(false);
  });
});
