import { maxNesting, nestingDepth } from '../../src/server/limits';

describe('nestingDepth', () => {
  it('counts how deeply braces, parentheses and brackets nest', () => {
    expect(nestingDepth('{ me { tenant } }')).toBe(2);
    expect(nestingDepth('{ jobs(first: 5, filter: { statuses: [QUEUED] }) { totalCount } }')).toBe(
      4,
    );
    expect(nestingDepth(`{ ${'a { '.repeat(5000)}b${' }'.repeat(5000)} }`)).toBe(5001);
  });

  it('ignores brackets inside strings, block strings and comments', () => {
    expect(nestingDepth('{ job(id: "{{{[[[(((\\"{{{") { id } }')).toBe(2);
    expect(nestingDepth('{ a(s: """ {{{{ "" }}}} [[[[ """) { b } }')).toBe(2);
    expect(nestingDepth('# {{{{{{{{{{\n{ me { tenant } }')).toBe(2);
  });

  it('lets through far more than any operation the depth rule accepts', () => {
    expect(maxNesting(12)).toBe(128);
    expect(maxNesting(100)).toBe(400);
  });
});
