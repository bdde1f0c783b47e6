import { useState } from 'react';
import type { FormEvent } from 'react';

/** The key goes to sessionStorage of this tab only; the form never submits to a URL. */
export function SignIn({ onSignIn }: { onSignIn(key: string): Promise<string | null> }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const err = await onSignIn(key.trim());
    setBusy(false);
    if (err) setError(err);
  };
  return (
    <form className="sign-in" onSubmit={(e) => void submit(e)} autoComplete="off">
      <h1>jobgate</h1>
      <p className="muted">Sign in with an API key. It stays in this tab until you sign out.</p>
      <label>
        API key
        <input
          name="apiKey"
          type="password"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          autoFocus
          required
        />
      </label>
      <button type="submit" disabled={busy || !key.trim()}>
        Sign in
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
