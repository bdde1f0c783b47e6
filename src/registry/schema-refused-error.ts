/**
 * A registration refused because of a type's schemas: too big, too deep, or one the gateway
 * cannot compile safely. Names each refused type and why; the other types of the same
 * registration were stored.
 */
export class SchemaRefusedError extends Error {
  constructor(readonly refused: { name: string; problem: string }[]) {
    super(
      refused.map((r) => `job type '${r.name}' was not registered: its ${r.problem}`).join('; '),
    );
    this.name = 'SchemaRefusedError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
