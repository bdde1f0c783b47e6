/** Requests the parent sends to bench/children/ws-clients.ts. */
export type FleetRequest =
  | {
      cmd: 'connect';
      url: string;
      mode: 'gql' | 'raw';
      /** The subscription (mode gql); ignored in mode raw. */
      query: string;
      clients: { tenant: string; key: string }[];
      /** Handshakes in progress at once. */
      parallel: number;
    }
  | { cmd: 'status' }
  | { cmd: 'reset' }
  | { cmd: 'report'; expected: Record<string, number> }
  | { cmd: 'close' };

export interface FleetStatus {
  probed: number;
  delivered: number;
  open: number;
  errors: number;
  lastError: string;
}

export interface FleetReport {
  delivered: number;
  expected: number;
  clients: number;
  /** Clients that received exactly the events of their tenant. */
  exactClients: number;
  outOfOrder: number;
  errors: number;
  lastError: string;
  /** Emit-to-receipt latency, ms. */
  p50: number;
  p99: number;
  max: number;
}

export type FleetReply = object;
