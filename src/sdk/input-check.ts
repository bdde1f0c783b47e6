/** Checks one input against a definition's schema; replaced by the SDK's implementation. */
export type InputChecker = (
  input: unknown,
) => { ok: true; value: unknown } | { ok: false; message: string };
