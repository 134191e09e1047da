import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import { Counter, Gauge } from 'prom-client';
import type { ServiceMetrics } from '#platform/infra/observability/metrics';
import type { GatewayContext } from '../context.type';

/**
 * Admission control: at most `maxConcurrent` operations execute at once in this gateway process;
 * the rest wait, one queue per operation (its document), and a freed slot goes to the queues in
 * turn. Under overload the waiting happens here, in the order this module chooses, rather than in
 * the subgraphs' event loops and connection pools, which serve whoever came first.
 *
 * What the turns give: an operation is never kept waiting by another one's crowd. Browsing the
 * catalogue is most of a marketplace's traffic; with one shared first-come queue, a search, a match
 * request or an order waits behind every catalogue request that arrived before it. With a queue
 * each, a rare operation waits only for the next free slot, and the common one takes the queueing
 * it causes. A crawler paging through one operation cannot hold the rest back either.
 *
 * What it does not do: tell clients apart. A client sending many different documents gets many
 * queues (at most `maxQueues`; past that they share one); the per-client bot rate and the partner
 * tiers limit clients.
 *
 * Bounds: at most `maxQueued` operations wait; past it, or after waiting `maxWaitMs`, an operation
 * is refused with HTTP 503, `RATE_LIMITED` (reason `OVERLOADED`) and `Retry-After`, before any
 * subgraph is called. Cached answers are served before admission and never wait.
 */

export interface AdmissionOptions {
  /** Operations executing at once (at least 1; the gateway leaves the plugin out when its setting is 0). */
  maxConcurrent: number;
  /** Operations waiting at once; past it new ones are refused at once. */
  maxQueued: number;
  /** Longest wait for a slot. */
  maxWaitMs: number;
  /** Distinct queues at most; further operations share one. */
  maxQueues?: number;
  metrics?: ServiceMetrics;
}

export type Release = () => void;

export interface Admission {
  /** A slot for an operation of this key, or null when it is refused (queue full or waited too long). */
  acquire(key: string): Promise<Release | null>;
  readonly inFlight: number;
  readonly queued: number;
}

interface Waiter {
  grant(release: Release | null): void;
  timer: NodeJS.Timeout;
}

const SHARED_QUEUE = '\u0000shared';

export function createAdmission(options: AdmissionOptions): Admission {
  const maxQueues = options.maxQueues ?? 64;
  const queues = new Map<string, Waiter[]>();
  /** Keys with waiters, served in turn from `turn`. */
  const ring: string[] = [];
  let turn = 0;
  let inFlight = 0;
  let queued = 0;
  const refused = options.metrics
    ? new Counter({
        name: 'gateway_admission_refused_total',
        help: 'Operations refused by admission control, by reason (queue_full, wait_timeout)',
        labelNames: ['reason'] as const,
        registers: [options.metrics.registry],
      })
    : null;
  if (options.metrics) {
    new Gauge({
      name: 'gateway_admission_in_flight',
      help: 'Operations executing (admitted and not yet answered)',
      registers: [options.metrics.registry],
      collect() {
        this.set(inFlight);
      },
    });
    new Gauge({
      name: 'gateway_admission_queued',
      help: 'Operations waiting for a slot',
      registers: [options.metrics.registry],
      collect() {
        this.set(queued);
      },
    });
  }

  const releaser = (): Release => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      inFlight--;
      next();
    };
  };

  /** Hands free slots to waiting operations, one queue after another. */
  function next() {
    while (inFlight < options.maxConcurrent && ring.length > 0) {
      if (turn >= ring.length) turn = 0;
      const key = ring[turn];
      const queue = queues.get(key)!;
      const waiter = queue.shift()!;
      if (queue.length === 0) {
        queues.delete(key);
        ring.splice(turn, 1); // the next key slides into this turn
      } else {
        turn++;
      }
      queued--;
      clearTimeout(waiter.timer);
      inFlight++;
      waiter.grant(releaser());
    }
  }

  function remove(key: string, waiter: Waiter) {
    const queue = queues.get(key);
    const at = queue?.indexOf(waiter) ?? -1;
    if (!queue || at < 0) return;
    queue.splice(at, 1);
    queued--;
    if (queue.length === 0) {
      queues.delete(key);
      const slot = ring.indexOf(key);
      ring.splice(slot, 1);
      if (slot < turn) turn--;
    }
  }

  return {
    get inFlight() {
      return inFlight;
    },
    get queued() {
      return queued;
    },
    acquire(key) {
      if (inFlight < options.maxConcurrent && queued === 0) {
        inFlight++;
        return Promise.resolve(releaser());
      }
      if (queued >= options.maxQueued) {
        refused?.inc({ reason: 'queue_full' });
        return Promise.resolve(null);
      }
      const queueKey = queues.has(key) || queues.size < maxQueues ? key : SHARED_QUEUE;
      return new Promise<Release | null>((resolve) => {
        const waiter: Waiter = {
          grant: resolve,
          timer: setTimeout(() => {
            remove(queueKey, waiter);
            refused?.inc({ reason: 'wait_timeout' });
            resolve(null);
          }, options.maxWaitMs),
        };
        let queue = queues.get(queueKey);
        if (!queue) {
          queues.set(queueKey, (queue = []));
          // A new queue takes its turn after the ones already waiting.
          ring.splice(turn, 0, queueKey);
          turn++;
        }
        queue.push(waiter);
        queued++;
      });
    },
  };
}

/** The refusal of an operation the gateway will not run now (admission control and priority). */
export function overloaded(retryAfterSeconds: number): GraphQLResponse {
  return {
    http: { status: 503, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
    body: {
      kind: 'single',
      singleResult: {
        errors: [
          {
            message: 'The API is overloaded: try again shortly',
            extensions: { code: 'RATE_LIMITED', reason: 'OVERLOADED', retryAfterSeconds },
          },
        ],
      },
    },
  };
}

/**
 * Takes a slot before an operation executes (after the response cache, which answers without one)
 * and gives it back once the response is sent, or at the operation's deadline, whichever is first.
 */
export function admissionPlugin(admission: Admission): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      let release: Release | null = null;
      return {
        async responseForOperation(rc) {
          const key = rc.queryHash ?? rc.operationName ?? '';
          release = await admission.acquire(key);
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
