/** A definition jobgate cannot serve: a bad field, a duplicate name, a schema that does not compile. */
export class DefinitionError extends Error {
  /** The name of the job type (or queue) the error is about. */
  readonly typeName: string;
  /** The option at fault, when one is. */
  readonly field: string | null;

  /**
   * @param typeName - the job type or queue at fault
   * @param field - the option at fault, or null
   * @param problem - what is wrong, said of the field (`must be a positive integer`)
   * @param kind - what `typeName` names @defaultValue 'job type'
   */
  constructor(typeName: string, field: string | null, problem: string, kind = 'job type') {
    super(`${kind} '${typeName}': ${field ? `${field} ` : ''}${problem}`);
    this.name = 'DefinitionError';
    this.typeName = typeName;
    this.field = field;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
