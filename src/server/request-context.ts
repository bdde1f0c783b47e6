import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal';
import { tenantScope } from '../auth/principal';
import type { EventStore } from '../store/event-store';
import type { GraphContext, Loaders, Services } from './context';
import { createLoaders } from './loaders';

/**
 * A UUID as one flat string. `randomUUID()` builds its result from 16 pieces, a
 * tree of V8 cons strings of about 450 bytes; a WebSocket connection keeps its
 * id for hours, and the flat copy is about 80.
 */
export const flatUuid = (): string => Buffer.from(randomUUID(), 'latin1').toString('latin1');

/**
 * The context of one request or subscription. A class rather than an object
 * with getters, so the lazy parts cost no closures per instance: an idle
 * subscription holds its context for hours. Its DataLoaders and child logger
 * are made on first use (most subscriptions need neither).
 */
export class RequestContext implements GraphContext {
  private madeLoaders?: Loaders;
  private madeLog?: Logger;

  constructor(
    readonly principal: Principal,
    readonly requestId: string,
    readonly services: Services,
    private readonly events: EventStore,
    private readonly rootLog: Logger,
  ) {}

  get loaders(): Loaders {
    return (this.madeLoaders ??= createLoaders(
      this.events,
      this.services.jobs,
      this.services.registry,
      tenantScope(this.principal),
    ));
  }

  freshLoaders(): void {
    this.madeLoaders = undefined;
  }

  get log(): Logger {
    return (this.madeLog ??= this.rootLog.child({
      requestId: this.requestId,
      tenant: this.principal.tenant,
    }));
  }
}
