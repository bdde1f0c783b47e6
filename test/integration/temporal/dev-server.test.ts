import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import pino from 'pino';
import type { JobTypeCatalog } from '../../../src/model/job-type';
import type { BusEmitter } from '../../../src/bus/event-emitter';
import { startDevServer, temporalReachable } from '../../../src/lanes/temporal/dev-server';
import { TemporalLane } from '../../../src/lanes/temporal/temporal-lane';
import { exited } from '../../helpers/stack';
import { freePort, TEMPORAL_BINARY } from '../../helpers/temporal-server';

/** No job types: these tests only connect. */
const emptyCatalog: JobTypeCatalog = {
  find: () => undefined,
  all: () => [],
  queues: () => [],
  taskQueues: () => [],
  refresh: async () => undefined,
  ensure: async () => undefined,
};

const log = pino({ level: 'silent' });

async function customAttributes(address: string): Promise<Record<string, unknown>> {
  const c = await Connection.connect({ address });
  try {
    const r = await c.operatorService.listSearchAttributes({ namespace: 'default' });
    return (r.customAttributes ?? {}) as Record<string, unknown>;
  } finally {
    await c.close();
  }
}

describe('startDevServer', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jobgate-temporal-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps workflows in its SQLite file across restarts and registers the search attributes', async () => {
    const port = await freePort();
    const dbFile = join(dir, 'temporal.db');
    const first = await startDevServer({ binary: TEMPORAL_BINARY, port, dbFile, headless: true });
    expect(first).toMatchObject({ address: `127.0.0.1:${port}`, uiUrl: null });
    expect(Object.keys(await customAttributes(first.address))).toEqual(
      expect.arrayContaining(['JobgateTenant', 'JobgateJobType']),
    );
    const c = await Connection.connect({ address: first.address });
    await c.workflowService.startWorkflowExecution({
      namespace: 'default',
      workflowId: 'kept-across-restarts',
      workflowType: { name: 'nothing' },
      taskQueue: { name: 'nobody-polls' },
      requestId: 'r1',
    });
    await c.close();
    await first.stop();
    expect(await temporalReachable(first.address, 500)).toBe(false);

    // Registering the same search attributes again on an existing file is fine.
    const second = await startDevServer({ binary: TEMPORAL_BINARY, port, dbFile, headless: true });
    const c2 = await Connection.connect({ address: second.address });
    const d = await c2.workflowService.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: 'kept-across-restarts' },
    });
    expect(d.workflowExecutionInfo?.execution?.workflowId).toBe('kept-across-restarts');
    await c2.close();
    await second.stop();
  });

  it('serves the web UI on uiPort unless headless', async () => {
    const port = await freePort();
    const uiPort = await freePort();
    const s = await startDevServer({ binary: TEMPORAL_BINARY, port, uiPort });
    try {
      expect(s.uiUrl).toBe(`http://127.0.0.1:${uiPort}`);
      const res = await fetch(s.uiUrl as string);
      expect(res.status).toBe(200);
    } finally {
      await s.stop();
    }
  });
});

describe('TemporalLane.connect', () => {
  it("registers jobgate's search attributes on a server that lacks them", async () => {
    const port = await freePort();
    const child = spawn(
      TEMPORAL_BINARY,
      ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless'],
      {
        stdio: 'ignore',
      },
    );
    const address = `127.0.0.1:${port}`;
    try {
      const until = Date.now() + 30_000;
      while (!(await temporalReachable(address, 500)) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 200));
      expect(Object.keys(await customAttributes(address))).not.toContain('JobgateTenant');
      const lane = await TemporalLane.connect({
        address,
        namespace: 'default',
        prefix: 'sa',
        emitter: {} as BusEmitter,
        catalog: emptyCatalog,
        log,
      });
      await lane.close();
      expect(Object.keys(await customAttributes(address))).toEqual(
        expect.arrayContaining(['JobgateTenant', 'JobgateJobType']),
      );
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
  });

  it('answers BACKEND_UNAVAILABLE when nothing listens', async () => {
    const port = await freePort();
    await expect(
      TemporalLane.connect({
        address: `127.0.0.1:${port}`,
        namespace: 'default',
        prefix: 'x',
        connectTimeoutMs: 1000,
        emitter: {} as BusEmitter,
        catalog: emptyCatalog,
        log,
      }),
    ).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
});
