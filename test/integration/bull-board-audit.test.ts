import { boardAction } from '../../src/server/board-audit';
import { submit } from '../helpers/ops';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

type Entry = { operation: string; outcome: string; keyId: string | null; targetIds: string[] };

/** Bull Board's actions are audited like mutations; its cookie is Secure behind a trusted TLS proxy. */
describe('Bull Board behind jobgate', () => {
  let stack: Stack;
  let admin: { id: string; secret: string };
  beforeAll(async () => {
    stack = await startStack({ bullmqWorker: false, env: { TRUST_PROXY: 'loopback' } });
    const r = await stack.gql<{ createApiKey: { id: string; secret: string } }>(
      'mutation { createApiKey(tenant: "board-ops", role: ADMIN) { id secret } }',
    );
    admin = r.data!.createApiKey;
  });
  afterAll(() => stack.close());

  const base = (): string => stack.url.replace(/\/graphql$/, '');
  const audit = async (): Promise<Entry[]> => {
    const r = await stack.gql<{ auditLog: Entry[] }>(
      '{ auditLog(first: 200) { operation outcome keyId targetIds } }',
    );
    return r.data?.auditLog ?? [];
  };

  it('records a pause, a resume and a job retry through the board, with who did it', async () => {
    const job = await submit(stack, { type: 'echo', input: { board: true } });
    const headers = { authorization: `Bearer ${admin.secret}` };
    const q = encodeURIComponent('default');
    const pause = await fetch(`${base()}/admin/queues/api/queues/${q}/pause`, {
      method: 'PUT',
      headers,
    });
    expect(pause.status).toBeLessThan(300);
    const resume = await fetch(`${base()}/admin/queues/api/queues/${q}/resume`, {
      method: 'PUT',
      headers,
    });
    expect(resume.status).toBeLessThan(300);
    // Retrying a job that has not failed: Bull Board refuses it, and the refusal is recorded too.
    const retry = await fetch(`${base()}/admin/queues/api/queues/${q}/${job.id}/retry/failed`, {
      method: 'PUT',
      headers,
    });
    const entries = await stack.waitFor(
      async () => {
        const all = await audit();
        return all.filter((e) => e.operation.startsWith('board.')).length >= 3 ? all : null;
      },
      10_000,
      'three board entries in the audit log',
    );
    const board = entries.filter((e) => e.operation.startsWith('board.'));
    expect(board).toEqual(
      expect.arrayContaining([
        {
          operation: 'board.queue.pause',
          outcome: 'ok',
          keyId: admin.id,
          targetIds: ['queue:default'],
        },
        {
          operation: 'board.queue.resume',
          outcome: 'ok',
          keyId: admin.id,
          targetIds: ['queue:default'],
        },
        {
          operation: 'board.job.retry',
          outcome: retry.status < 400 ? 'ok' : `HTTP_${retry.status}`,
          keyId: admin.id,
          targetIds: ['queue:default', job.id],
        },
      ]),
    );
    // Reads are not audited.
    await fetch(`${base()}/admin/queues/api/queues`, { headers });
    expect((await audit()).filter((e) => e.operation.startsWith('board.')).length).toBe(
      board.length,
    );
  });

  it('sets a Secure session cookie behind a trusted TLS proxy, and not on plain HTTP', async () => {
    const open = (extra: Record<string, string>) =>
      fetch(`${base()}/admin/queues/session`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.secret}`, ...extra },
      });
    const proxied = await open({ 'x-forwarded-proto': 'https' });
    expect(proxied.status).toBe(204);
    expect(proxied.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
    const plain = await open({});
    expect(plain.status).toBe(204);
    expect(plain.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
  });

  it('names board actions from their paths', () => {
    expect(boardAction('PUT', '/api/queues/pause')).toEqual({
      operation: 'board.queues.pause',
      targets: [],
    });
    expect(boardAction('PUT', '/api/queues/mail/clean/failed')).toEqual({
      operation: 'board.queue.clean',
      targets: ['queue:mail'],
    });
    expect(boardAction('PUT', '/api/queues/mail/abc/promote')).toEqual({
      operation: 'board.job.promote',
      targets: ['queue:mail', 'abc'],
    });
    expect(boardAction('DELETE', '/api/queues/mail/job-schedulers/s1')).toEqual({
      operation: 'board.scheduler.remove',
      targets: ['queue:mail', 's1'],
    });
  });
});
