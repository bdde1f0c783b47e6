import { serverAudits } from 'graphql-http';
import type { AuditResult } from 'graphql-http';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

/**
 * SHOULD audits the gateway does not pass, with the reason; the README lists
 * the same. A SHOULD that starts passing, or a new one that fails, fails this
 * test so the list stays true.
 */
export const KNOWN_SHOULD_FAILURES: Record<string, string> = {
  // Apollo Server answers every request error with 400, whatever the Accept header. The spec's
  // "200 for application/json" is a transition rule for legacy clients; a 400 keeps failed
  // operations visible to HTTP monitoring, and clients that accept application/graphql-response+json
  // get exactly what the spec asks for.
  '572B': 'document parsing failure with Accept: application/json is 400, not 200 (Apollo Server)',
  FDE2: 'document validation failure with Accept: application/json is 400, not 200 (Apollo Server)',
  '7B9B': 'variable coercion failure with Accept: application/json is 400, not 200 (Apollo Server)',
};

describe('GraphQL over HTTP conformance (graphql-http server audits)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ bullmqWorker: false, env: { RATE_LIMIT_PER_SECOND: '0' } });
  });
  afterAll(() => stack.close());

  it('passes every MUST audit against the live gateway; SHOULD failures are the known ones', async () => {
    // Every request needs a key: the audits' requests get one added.
    const fetchFn = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${stack.adminKey}`);
      return fetch(input, { ...init, headers });
    };
    const results: AuditResult[] = [];
    for (const audit of serverAudits({ url: stack.url, fetchFn })) results.push(await audit.fn());

    const failing = async (
      level: 'MUST' | 'SHOULD' | 'MAY',
    ): Promise<{ id: string; name: string; reason: string; status: number; body: string }[]> =>
      Promise.all(
        results
          .filter((r) => r.name.startsWith(level) && r.status !== 'ok')
          .map(async (r) => {
            const res = 'response' in r ? r.response : undefined;
            const body = res
              ? await res
                  .clone()
                  .text()
                  .catch(() => '')
              : '';
            return {
              id: r.id,
              name: r.name,
              reason: 'reason' in r ? r.reason : '',
              status: res?.status ?? 0,
              body: body.slice(0, 200),
            };
          }),
      );
    const must = await failing('MUST');
    const should = await failing('SHOULD');
    const may = await failing('MAY');
    const count = (level: string): number => results.filter((r) => r.name.startsWith(level)).length;
    console.log(
      `graphql-http audits: MUST ${count('MUST') - must.length}/${count('MUST')} pass, SHOULD ${count('SHOULD') - should.length}/${count('SHOULD')} pass, MAY ${count('MAY') - may.length}/${count('MAY')} pass\n` +
        `failing SHOULD:\n${should.map((s) => `  ${s.id} ${s.name}: ${s.reason} (HTTP ${s.status} ${s.body})`).join('\n')}\n` +
        `failing MAY:\n${may.map((s) => `  ${s.id} ${s.name}: ${s.reason}`).join('\n')}`,
    );
    expect(must).toEqual([]);
    expect(Object.fromEntries(should.map((s) => [s.id, s.name]))).toEqual(
      Object.fromEntries(
        Object.keys(KNOWN_SHOULD_FAILURES).map((id) => [
          id,
          results.find((r) => r.id === id)?.name,
        ]),
      ),
    );
  }, 120_000);
});
