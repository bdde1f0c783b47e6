/** A `--jobs` module that is missing, fails to load, or exports no definition. */
export class JobModuleError extends Error {
  /** The module as given (the `--jobs` spec). */
  readonly module: string;

  constructor(module: string, message: string, options?: { cause?: unknown }) {
    super(`job module ${module}: ${message}`, options);
    this.name = 'JobModuleError';
    this.module = module;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
