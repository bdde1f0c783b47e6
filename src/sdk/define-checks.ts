import { isAbsolute } from 'node:path';
import { DefinitionError } from './definition-error';

/** Job type names: 1-100 of [A-Za-z0-9_.:-], starting with a letter. */
export const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/;
/** Queue names: as type names, without ':' (BullMQ keeps ':' for its own keys). */
export const QUEUE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
/** A JavaScript identifier (ASCII): how a workflow is exported and started. */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Longest timer Node runs as asked; a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Checks of one definition's options; each throws a DefinitionError naming type and field. */
export class DefinitionChecks {
  constructor(
    private readonly name: string,
    private readonly kind: string,
  ) {}

  fail(field: string | null, problem: string): never {
    throw new DefinitionError(this.name, field, problem, this.kind);
  }

  /** An integer in [min, max], when present. */
  integer(field: string, value: unknown, min = 1, max = Number.MAX_SAFE_INTEGER): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      this.fail(
        field,
        `must be an integer ${min === 1 ? '> 0' : `>= ${min}`}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''} (got ${JSON.stringify(value)})`,
      );
  }

  text(field: string, value: unknown): void {
    if (value !== undefined && typeof value !== 'string') this.fail(field, 'must be a string');
  }

  queue(field: string, value: unknown): void {
    if (value === undefined) return;
    if (typeof value !== 'string' || !QUEUE_NAME.test(value))
      this.fail(
        field,
        `must be 1-100 of [A-Za-z0-9_.-] starting with a letter (got ${JSON.stringify(value)})`,
      );
  }

  strings(field: string, value: unknown): void {
    if (value === undefined) return;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === ''))
      this.fail(field, 'must be an array of non-empty strings');
  }

  /** A zod schema (anything with safeParse) or a JSON Schema object. */
  schema(field: string, value: unknown): void {
    if (value === undefined) return;
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      this.fail(field, 'must be a zod schema or a JSON Schema object');
  }

  identifier(field: string, value: unknown): void {
    if (typeof value !== 'string' || !IDENTIFIER.test(value))
      this.fail(field, `must be a JavaScript identifier (got ${JSON.stringify(value)})`);
  }

  absolutePath(field: string, value: unknown): void {
    if (typeof value !== 'string' || !isAbsolute(value))
      this.fail(field, `must be an absolute path (got ${JSON.stringify(value)})`);
  }

  functions(field: string, value: unknown): void {
    if (value === undefined) return;
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      this.fail(field, 'must be an object of functions');
    for (const [k, v] of Object.entries(value as object))
      if (typeof v !== 'function') this.fail(`${field}.${k}`, 'must be a function');
  }
}

/** The name of a definition, checked; the first check of every define call. */
export function checkedName(options: unknown, kind: string, pattern = TYPE_NAME): string {
  const name = (options as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || !pattern.test(name))
    throw new DefinitionError(
      typeof name === 'string' ? name : String(name),
      'name',
      `must be 1-100 of [A-Za-z0-9_.${pattern === TYPE_NAME ? ':' : ''}-] starting with a letter`,
      kind,
    );
  return name;
}
