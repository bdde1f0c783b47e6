interface Waiting<T, R> {
  items: T[];
  resolve: (results: R[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Joins the calls made in one turn of the event loop into one round trip:
 * concurrent `submitJob` requests share one INSERT, one bus emit and one
 * addBulk instead of one each. `run` gets every waiting caller's items in
 * order and returns one result per item; each caller gets its own slice. A
 * round holds at most `max` items (then it goes at once, so Postgres and Redis
 * both stay busy). With `isolate`, a shared round that fails is run again
 * per caller, so one caller's bad row fails only that caller (for idempotent
 * work such as INSERT ... ON CONFLICT DO NOTHING); without it, every caller of
 * the round gets the error.
 */
export class Coalescer<T, R> {
  private waiting: Waiting<T, R>[] = [];
  private count = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly o: { max?: number; isolate?: boolean } = {},
  ) {}

  private get max(): number {
    return this.o.max ?? 200;
  }

  submit(items: T[]): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (items.length >= this.max) return this.run(items);
    return new Promise<R[]>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      this.count += items.length;
      if (this.count >= this.max) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    const round = this.waiting;
    if (round.length === 0) return;
    this.waiting = [];
    this.count = 0;
    if (round.length === 1) {
      this.run(round[0].items).then(round[0].resolve, round[0].reject);
      return;
    }
    this.run(round.flatMap((w) => w.items)).then(
      (results) => {
        let at = 0;
        for (const w of round) {
          w.resolve(results.slice(at, at + w.items.length));
          at += w.items.length;
        }
      },
      (err: unknown) => {
        for (const w of round) {
          if (this.o.isolate) this.run(w.items).then(w.resolve, w.reject);
          else w.reject(err);
        }
      },
    );
  }
}
