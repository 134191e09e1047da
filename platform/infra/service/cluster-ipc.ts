import cluster, { type Worker } from 'node:cluster';

/**
 * "Ask every worker" over node:cluster's IPC channel, for the figures that live in each worker's
 * memory but must be read as one (the gateway's /metrics and operation statistics): the worker
 * serving the request asks the primary, the primary asks every connected worker (the asking one
 * included) and hands the answers back. The primary only routes; it holds no figures itself.
 */

const GATHER = 'hemp:gather';
const COLLECT = 'hemp:collect';
const COLLECTED = 'hemp:collected';
const GATHERED = 'hemp:gathered';

interface Message {
  hemp?: string;
  id?: number;
  topic?: string;
  data?: unknown;
  error?: string;
  parts?: unknown[];
}

/** How long the primary waits for every worker; a worker that does not answer is left out. */
const COLLECT_TIMEOUT_MS = 3000;

/** In the primary: routes gather requests between workers. Call once, before forking. */
export function routeGathers(): void {
  let next = 0;
  const pending = new Map<
    number,
    { requester: Worker; requestId: number; waiting: Set<number>; parts: unknown[]; timer: NodeJS.Timeout }
  >();
  const finish = (id: number) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    if (p.requester.isConnected()) p.requester.send({ hemp: GATHERED, id: p.requestId, parts: p.parts });
  };
  // Only workers that listen are asked: one still starting has no answer yet and would hold up the gather.
  const serving = new Set<number>();
  cluster.on('listening', (worker) => serving.add(worker.id));
  cluster.on('message', (worker: Worker, message: Message) => {
    if (message?.hemp === GATHER && typeof message.id === 'number' && typeof message.topic === 'string') {
      const id = next++;
      const workers = Object.values(cluster.workers ?? {}).filter(
        (w): w is Worker => !!w && w.isConnected() && serving.has(w.id),
      );
      const entry = {
        requester: worker,
        requestId: message.id,
        waiting: new Set(workers.map((w) => w.id)),
        parts: [] as unknown[],
        timer: setTimeout(() => finish(id), COLLECT_TIMEOUT_MS),
      };
      pending.set(id, entry);
      for (const w of workers) w.send({ hemp: COLLECT, id, topic: message.topic });
      if (entry.waiting.size === 0) finish(id);
    } else if (message?.hemp === COLLECTED && typeof message.id === 'number') {
      const p = pending.get(message.id);
      if (!p || !p.waiting.delete(worker.id)) return;
      if (message.error === undefined) p.parts.push(message.data);
      if (p.waiting.size === 0) finish(message.id);
    }
  });
  // A worker that exits mid-gather will never answer: stop waiting for it.
  cluster.on('exit', (worker) => {
    serving.delete(worker.id);
    for (const [id, p] of pending) if (p.waiting.delete(worker.id) && p.waiting.size === 0) finish(id);
  });
}

const answerers = new Map<string, () => unknown>();
const waiting = new Map<number, { resolve: (parts: unknown[]) => void; timer: NodeJS.Timeout }>();
let nextRequest = 0;
let listening = false;

function listen() {
  if (listening) return;
  listening = true;
  process.on('message', (message: Message) => {
    if (message?.hemp === COLLECT && typeof message.id === 'number') {
      const answer = answerers.get(message.topic ?? '');
      const id = message.id;
      Promise.resolve()
        .then(() => {
          if (!answer) throw new Error(`no answer for ${message.topic}`);
          return answer();
        })
        .then(
          (data) => process.send?.({ hemp: COLLECTED, id, data }),
          (err: Error) => process.send?.({ hemp: COLLECTED, id, error: err.message }),
        );
    } else if (message?.hemp === GATHERED && typeof message.id === 'number') {
      const w = waiting.get(message.id);
      if (!w) return;
      waiting.delete(message.id);
      clearTimeout(w.timer);
      w.resolve(message.parts ?? []);
    }
  });
}

/** True in a worker of a node:cluster primary (GATEWAY_WORKERS > 1). */
export const isClusterWorker = (): boolean => cluster.isWorker && typeof process.send === 'function';

/** In a worker: what this worker answers when another one gathers `topic`. */
export function answerGather(topic: string, answer: () => unknown): void {
  listen();
  answerers.set(topic, answer);
}

/** In a worker: every connected worker's answer to `topic` (this one's included), in no particular order. */
export function gather(topic: string): Promise<unknown[]> {
  listen();
  const id = nextRequest++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`no answer from the cluster primary for ${topic}`));
    }, COLLECT_TIMEOUT_MS * 2);
    waiting.set(id, { resolve, timer });
    process.send?.({ hemp: GATHER, id, topic });
  });
}
