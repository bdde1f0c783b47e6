/** Redis names of the event bus, all under one prefix. */
export interface BusKeys {
  /** The event log (a stream). */
  stream: string;
  /** The push path (pub/sub). */
  channel: string;
  /** Cancel requests for active BullMQ jobs (pub/sub). */
  cancelChannel: string;
  /** Aggregator consumer group. */
  group: string;
}

export const busKeys = (prefix: string): BusKeys => ({
  stream: `${prefix}:events`,
  channel: `${prefix}:events:push`,
  cancelChannel: `${prefix}:cancel`,
  group: 'aggregators',
});
