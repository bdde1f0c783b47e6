import { hasNul, pgJson } from '../../src/store/pg-json';

describe('pgJson', () => {
  it('replaces NUL characters, which Postgres cannot store, and keeps escaped backslashes', () => {
    expect(pgJson({ s: 'a\u0000b\u0000' })).toBe('{"s":"a\\ufffdb\\ufffd"}');
    // A literal backslash followed by "u0000" is text, not a NUL.
    expect(pgJson({ s: '\\u0000' })).toBe(JSON.stringify({ s: '\\u0000' }));
    expect(JSON.parse(pgJson({ s: '\\\u0000' }))).toEqual({ s: '\\\ufffd' });
  });

  it('finds NUL in JSON text and in raw bytes', () => {
    expect(hasNul(JSON.stringify({ a: 'x\u0000' }))).toBe(true);
    expect(hasNul(Buffer.from('{"a":"\\u0000"}'))).toBe(true);
    expect(hasNul('{"a":"ok"}')).toBe(false);
  });
});
