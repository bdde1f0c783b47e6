import { Coalescer } from '../../src/coalescer';

describe('Coalescer', () => {
  it('runs the calls of one event-loop turn as one round and gives each caller its own results', async () => {
    const rounds: number[][] = [];
    const c = new Coalescer<number, number>(async (items) => {
      rounds.push(items);
      return items.map((n) => n * 10);
    });
    const [a, b, d] = await Promise.all([c.submit([1, 2]), c.submit([3]), c.submit([4, 5, 6])]);
    expect(rounds).toEqual([[1, 2, 3, 4, 5, 6]]);
    expect(a).toEqual([10, 20]);
    expect(b).toEqual([30]);
    expect(d).toEqual([40, 50, 60]);
    // A later turn is a new round.
    await c.submit([7]);
    expect(rounds).toEqual([[1, 2, 3, 4, 5, 6], [7]]);
  });

  it('sends a round at once when it reaches max items, and a call of max items on its own', async () => {
    const rounds: number[][] = [];
    const c = new Coalescer<number, number>(
      async (items) => {
        rounds.push(items);
        return items;
      },
      { max: 3 },
    );
    await Promise.all([c.submit([1, 2]), c.submit([3]), c.submit([4]), c.submit([5, 6, 7])]);
    expect(rounds).toEqual([[1, 2, 3], [5, 6, 7], [4]]);
  });

  it('without isolate, every caller of a failed round gets the error', async () => {
    let runs = 0;
    const c = new Coalescer<number, number>(async (items) => {
      runs++;
      if (items.includes(-1)) throw new Error('bad item');
      return items;
    });
    const results = await Promise.allSettled([c.submit([1]), c.submit([-1])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(runs).toBe(1);
  });

  it('with isolate, a failed round is run again per caller so only the bad caller fails', async () => {
    const rounds: number[][] = [];
    const c = new Coalescer<number, number>(
      async (items) => {
        rounds.push(items);
        if (items.includes(-1)) throw new Error('bad item');
        return items.map((n) => n + 1);
      },
      { isolate: true },
    );
    const [ok, bad, ok2] = await Promise.allSettled([c.submit([1]), c.submit([-1]), c.submit([2])]);
    expect(ok).toEqual({ status: 'fulfilled', value: [2] });
    expect(bad).toMatchObject({ status: 'rejected', reason: new Error('bad item') });
    expect(ok2).toEqual({ status: 'fulfilled', value: [3] });
    expect(rounds).toEqual([[1, -1, 2], [1], [-1], [2]]);
  });
});
