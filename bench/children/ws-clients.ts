/**
 * A child process holding many WebSocket subscribers, so that receiving costs
 * none of the measured process's CPU. Speaks graphql-transport-ws (mode gql)
 * or reads raw "<id> <json>" frames (mode raw). Each event's `message` carries
 * its emit time (ms since the epoch, sub-millisecond), or "probe".
 * Driven over IPC by bench/lib/ws-fleet.ts.
 */
import WebSocket from 'ws';
import { compareStreamIds } from '../../src/model/stream-id';
import { percentileSorted, wallMs } from '../lib/stats';
import type { FleetReply, FleetRequest, FleetReport } from '../lib/ws-fleet-protocol';

interface Sub {
  tenant: string;
  ws: WebSocket;
  probed: boolean;
  count: number;
  last: string | null;
}

const subs: Sub[] = [];
let latencies: number[] = [];
let outOfOrder = 0;
let errors = 0;
let lastError = '';

function onEvent(s: Sub, id: string, message: string | null): void {
  if (message === 'probe') {
    s.probed = true;
    return;
  }
  latencies.push(wallMs() - Number(message));
  s.count++;
  if (s.last !== null && compareStreamIds(id, s.last) <= 0) outOfOrder++;
  s.last = id;
}

function open(
  url: string,
  mode: 'gql' | 'raw',
  query: string,
  tenant: string,
  key: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws =
      mode === 'gql'
        ? new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false })
        : new WebSocket(`${url}?tenant=${encodeURIComponent(tenant)}`, {
            perMessageDeflate: false,
          });
    const s: Sub = { tenant, ws, probed: false, count: 0, last: null };
    let settled = false;
    // A socket that closes or stalls before it is live fails its connect, never hangs it.
    const timer = setTimeout(() => {
      ws.terminate();
      fail(new Error('not live after 30 s'));
    }, 30_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      if (!settled) reject(err);
      settled = true;
    };
    const live = (): void => {
      clearTimeout(timer);
      settled = true;
      subs.push(s);
      resolve();
    };
    ws.once('error', fail);
    ws.on('close', (code, reason) => {
      if (!settled) fail(new Error(`closed ${code} ${reason.toString()} before it was live`));
      else if (code !== 1000 && code !== 1005) {
        errors++;
        lastError = `closed ${code} ${reason.toString()}`;
      }
    });
    if (mode === 'raw') {
      ws.once('open', live);
      ws.on('message', (data) => {
        const text = data.toString();
        const sp = text.indexOf(' ');
        const e = JSON.parse(text.slice(sp + 1)) as { message: string | null };
        onEvent(s, text.slice(0, sp), e.message);
      });
      return;
    }
    ws.once('open', () =>
      ws.send(
        JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }),
      ),
    );
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string; payload?: any };
      if (m.type === 'next') {
        if (m.payload?.errors) {
          errors++;
          lastError = JSON.stringify(m.payload.errors);
          return;
        }
        const e = m.payload.data.jobEvents as { id: string; message: string | null };
        onEvent(s, e.id, e.message);
      } else if (m.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        live();
      } else if (m.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong' }));
      } else if (m.type === 'error' || m.type === 'complete') {
        errors++;
        lastError = JSON.stringify(m);
      }
    });
  });
}

async function handle(req: FleetRequest): Promise<FleetReply> {
  switch (req.cmd) {
    case 'connect': {
      let next = 0;
      let failed = 0;
      const worker = async (): Promise<void> => {
        while (next < req.clients.length) {
          const c = req.clients[next++];
          try {
            await open(req.url, req.mode, req.query, c.tenant, c.key);
          } catch (err) {
            failed++;
            lastError = String(err);
          }
        }
      };
      await Promise.all(Array.from({ length: req.parallel }, worker));
      return { connected: subs.length, failed, lastError };
    }
    case 'status':
      return {
        probed: subs.filter((s) => s.probed).length,
        delivered: latencies.length,
        open: subs.length,
        errors,
        lastError,
      };
    case 'reset':
      latencies = [];
      outOfOrder = 0;
      errors = 0;
      for (const s of subs) {
        s.probed = false;
        s.count = 0;
        s.last = null;
      }
      return {};
    case 'report': {
      const sorted = Float64Array.from(latencies).sort();
      let expected = 0;
      let exactClients = 0;
      for (const s of subs) {
        const want = req.expected[s.tenant] ?? 0;
        expected += want;
        if (s.count === want) exactClients++;
      }
      const report: FleetReport = {
        delivered: latencies.length,
        expected,
        clients: subs.length,
        exactClients,
        outOfOrder,
        errors,
        lastError,
        p50: percentileSorted(sorted, 50),
        p99: percentileSorted(sorted, 99),
        max: sorted.length ? sorted[sorted.length - 1] : NaN,
      };
      return report;
    }
    case 'close':
      for (const s of subs) s.ws.terminate();
      subs.length = 0;
      return {};
  }
}

process.on('message', (msg: { seq: number; req: FleetRequest }) => {
  handle(msg.req).then(
    (reply) => process.send?.({ seq: msg.seq, reply }),
    (err: unknown) => process.send?.({ seq: msg.seq, error: String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
