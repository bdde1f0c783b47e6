import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { sleep } from './stats';
import type { FleetReply, FleetReport, FleetRequest, FleetStatus } from './ws-fleet-protocol';

/** The parent side of a ws-clients child process. */
export class WsFleet {
  private seq = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (r: FleetReply) => void; reject: (e: Error) => void }
  >();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { seq: number; reply?: FleetReply; error?: string }) => {
      const w = this.waiting.get(m.seq);
      this.waiting.delete(m.seq);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.reply as FleetReply);
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`ws-clients exited (${code})`));
      this.waiting.clear();
    });
  }

  static spawn(): WsFleet {
    const child = fork(join(__dirname, '..', 'children', 'ws-clients.js'), [], {
      execArgv: ['--max-old-space-size=2048'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new WsFleet(child);
  }

  request<T extends FleetReply>(req: FleetRequest): Promise<T> {
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(seq, { resolve: resolve as (r: FleetReply) => void, reject });
      this.child.send({ seq, req });
    });
  }

  status(): Promise<FleetStatus> {
    return this.request<FleetStatus>({ cmd: 'status' });
  }

  report(expected: Record<string, number>): Promise<FleetReport> {
    return this.request<FleetReport>({ cmd: 'report', expected });
  }

  /**
   * Calls `probe` (which should push one "probe" event to every tenant) until
   * every client has seen one: then each subscription is live on the server.
   */
  async waitLive(probe: () => Promise<void>, clients: number, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      await probe();
      await sleep(200);
      const s = await this.status();
      if (s.probed >= clients) return;
      if (Date.now() > until)
        throw new Error(
          `only ${s.probed} of ${clients} subscribers live after ${timeoutMs} ms (errors ${s.errors}: ${s.lastError})`,
        );
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    try {
      await this.request({ cmd: 'close' });
    } catch {
      // Already gone.
    }
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.disconnect();
    await Promise.race([exited, sleep(5000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
