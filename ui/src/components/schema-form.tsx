import Form from '@rjsf/core/lib/components/Form.js';
import type { IChangeEvent } from '@rjsf/core/lib/components/Form.js';
import type { RJSFSchema } from '@rjsf/utils';
import { schemaValidator } from './schema-validator';

/**
 * A form generated from a JSON Schema (react-jsonschema-form), validated in the browser as the
 * person types (see schema-validator.ts) and again by the gateway on submit.
 */
export function SchemaForm({
  schema,
  submitLabel,
  onSubmit,
  testId,
}: {
  schema: Record<string, unknown>;
  submitLabel: string;
  onSubmit(data: unknown): void;
  testId?: string;
}) {
  return (
    <div className="schema-form" data-testid={testId}>
      <Form
        schema={schema as RJSFSchema}
        validator={schemaValidator}
        showErrorList="top"
        noHtml5Validate
        onSubmit={(e: IChangeEvent) => onSubmit(e.formData)}
        // The errors show in the form; without a handler rjsf also logs them to the console.
        onError={() => undefined}
      >
        <button type="submit">{submitLabel}</button>
      </Form>
    </div>
  );
}
