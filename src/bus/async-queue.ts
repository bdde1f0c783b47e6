/**
 * A push-to-pull buffer: producers push, one consumer iterates. Bounded: when
 * the consumer falls `limit` items behind, the iteration ends with an error
 * rather than holding unbounded memory.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private waiter?: (r: IteratorResult<T>) => void;
  private failer?: (e: Error) => void;
  private done = false;
  private error?: Error;

  constructor(
    private readonly limit = 10_000,
    private readonly onClose?: () => void,
  ) {}

  push(item: T): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.failer = undefined;
      w({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.limit) {
      this.fail(
        new Error(
          `subscriber fell more than ${this.limit} events behind; resume with after: <last id>`,
        ),
      );
      return;
    }
    this.items.push(item);
  }

  fail(err: Error): void {
    if (this.done) return;
    this.error = err;
    if (this.failer) {
      const f = this.failer;
      this.waiter = this.failer = undefined;
      this.finish();
      f(err);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.error) {
      const e = this.error;
      this.finish();
      return Promise.reject(e);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failer = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.items = [];
    this.onClose?.();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.failer = undefined;
      w({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
