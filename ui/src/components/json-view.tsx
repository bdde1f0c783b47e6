import { JsonView, allExpanded, defaultStyles } from 'react-json-view-lite';
import 'react-json-view-lite/dist/index.css';

/** A JSON value, folded open; masked fields arrive masked from the gateway ('***'). */
export function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <div className="json" data-testid={`json-${label}`}>
      <h3>{label}</h3>
      {value === null || value === undefined ? (
        <p className="muted">none</p>
      ) : typeof value === 'object' ? (
        <JsonView data={value as object} shouldExpandNode={allExpanded} style={defaultStyles} />
      ) : (
        <pre>{JSON.stringify(value)}</pre>
      )}
    </div>
  );
}
