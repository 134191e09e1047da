import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { Counter, Gauge } from 'prom-client';
import type { ServiceMetrics } from '#platform/infra/observability/metrics';
import type { GatewayContext } from '../context.type';
import { overloaded, type Release } from './admission';

/**
 * Priority for the operations a user waits on: mutations (an order, a match request, a consent)
 * and the queries an operator names (a search), over everything else (browsing the catalogue).
 *
 * On a saturated machine every operation in flight shares the same CPUs: the gateway's and the
 * subgraphs' event loops and the PostgreSQL backends serve whoever is there, so each operation's
 * latency grows with the number in flight. While a priority operation is in flight, or was within
 * the last `holdMs`, at most `otherLimit` other operations execute at once and the rest wait here,
 * first come first served; a priority operation never waits. With no priority work about, nothing
 * is limited: a machine serving only the catalogue serves it at full throughput.
 *
 * What it costs: while it limits, fewer operations overlap, so every process does more work per
 * operation (fewer requests share a wake-up, a DataLoader batch, a deduplicated subgraph call) and
 * the machine serves fewer operations in all (docs/performance.md measures it).
 *
 * A client could name its browsing query like a priority one; it gains what any client gets from
 * the priority class and nothing over other clients (the bot rate and partner tiers limit
 * clients). Bounds as for admission control: at most `maxQueued` wait, at most `maxWaitMs` each;
 * past either the operation is refused with 503 and `RATE_LIMITED` (reason `OVERLOADED`) before
 * any subgraph is called. Cached answers are served before this and never wait.
 */

export interface PriorityOptions {
  /** Other operations executing at once while priority work is about (at least 1). */
  otherLimit: number;
  /** Query operation names served as priority (mutations always are). */
  priorityOperations: ReadonlySet<string>;
  /** How long after the last priority operation the limit still holds. */
  holdMs: number;
  maxQueued: number;
  maxWaitMs: number;
  metrics?: ServiceMetrics;
  now?: () => number;
}

export interface PriorityGate {
  /** A slot, or null when refused (queue full or waited too long). Priority operations never wait. */
  acquire(priority: boolean): Promise<Release | null>;
  readonly priorityInFlight: number;
  readonly otherInFlight: number;
  readonly queued: number;
}

interface Waiter {
  grant(release: Release | null): void;
  timer: NodeJS.Timeout;
}

export function createPriorityGate(options: PriorityOptions): PriorityGate {
  const now = options.now ?? Date.now;
  let priorityInFlight = 0;
  let otherInFlight = 0;
  let lastPriorityAt = -Infinity;
  const queue: Waiter[] = [];
  let holdTimer: NodeJS.Timeout | undefined;

  const refused = options.metrics
    ? new Counter({
        name: 'gateway_priority_refused_total',
        help: 'Non-priority operations refused while priority work held them back, by reason (queue_full, wait_timeout)',
        labelNames: ['reason'] as const,
        registers: [options.metrics.registry],
      })
    : null;
  if (options.metrics) {
    new Gauge({
      name: 'gateway_priority_queued',
      help: 'Non-priority operations waiting while priority work is in flight',
      registers: [options.metrics.registry],
      collect() {
        this.set(queue.length);
      },
    });
  }

  const limiting = () => priorityInFlight > 0 || now() - lastPriorityAt < options.holdMs;

  const once = (fn: () => void): Release => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      fn();
    };
  };

  const otherRelease = () =>
    once(() => {
      otherInFlight--;
      pump();
    });

  /** Admits waiting operations while there is room; when the hold is all that limits, looks again as it ends. */
  function pump() {
    while (queue.length && (!limiting() || otherInFlight < options.otherLimit)) {
      const waiter = queue.shift()!;
      clearTimeout(waiter.timer);
      otherInFlight++;
      waiter.grant(otherRelease());
    }
    if (queue.length && priorityInFlight === 0 && !holdTimer) {
      holdTimer = setTimeout(
        () => {
          holdTimer = undefined;
          pump();
        },
        Math.max(1, lastPriorityAt + options.holdMs - now()),
      );
      holdTimer.unref();
    }
  }

  return {
    get priorityInFlight() {
      return priorityInFlight;
    },
    get otherInFlight() {
      return otherInFlight;
    },
    get queued() {
      return queue.length;
    },
    acquire(priority) {
      if (priority) {
        priorityInFlight++;
        lastPriorityAt = now();
        return Promise.resolve(
          once(() => {
            priorityInFlight--;
            lastPriorityAt = now();
            pump();
          }),
        );
      }
      if (!queue.length && (!limiting() || otherInFlight < options.otherLimit)) {
        otherInFlight++;
        return Promise.resolve(otherRelease());
      }
      if (queue.length >= options.maxQueued) {
        refused?.inc({ reason: 'queue_full' });
        return Promise.resolve(null);
      }
      return new Promise<Release | null>((resolve) => {
        const waiter: Waiter = {
          grant: resolve,
          timer: setTimeout(() => {
            const at = queue.indexOf(waiter);
            if (at >= 0) queue.splice(at, 1);
            refused?.inc({ reason: 'wait_timeout' });
            resolve(null);
          }, options.maxWaitMs),
        };
        queue.push(waiter);
        pump();
      });
    },
  };
}

/** Whether an operation is served first: every mutation, and the queries named in the setting. */
export function isPriority(rc: GraphQLRequestContext<GatewayContext>, names: ReadonlySet<string>): boolean {
  if (rc.operation?.operation === 'mutation') return true;
  return !!rc.operationName && names.has(rc.operationName);
}

/** Takes a slot before an operation executes (after the response cache) and gives it back once the response is sent or the deadline passes. */
export function priorityPlugin(gate: PriorityGate, names: ReadonlySet<string>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      let release: Release | null = null;
      return {
        async responseForOperation(rc) {
          release = await gate.acquire(isPriority(rc, names));
          if (!release) return overloaded(1);
          rc.contextValue.deadline?.addEventListener('abort', release, { once: true });
          return null;
        },
        async willSendResponse() {
          release?.();
        },
      };
    },
  };
}
