import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { SeededRandom } from './random';
import type { SimulatorDefinition, SimulatorState } from './sim-definition';
import { chooseFailure, NO_FAULTS, type ScriptedFailure, type SimulatorFaults } from './sim-faults';

export interface SimulatorStats {
  requests: number;
  byStatus: Record<string, number>;
  dataRequests: number;
  /** Data requests being answered right now, and the most there ever were at once. */
  inFlight: number;
  maxInFlight: number;
}

export interface SimulatorHandle {
  slug: string;
  name: string;
  url: string;
  port: number;
  stats: SimulatorStats;
  setFaults(faults: Partial<SimulatorFaults>): void;
  /** The next `count` data requests fail this way, whatever the rates say. */
  failNext(kind: ScriptedFailure, count?: number): void;
  /** No faults, nothing scripted, every record back, stats zeroed. */
  reset(): void;
  /** These records disappear from the source (sold, delisted). */
  withdraw(recordIds: string[]): void;
  acceptCredential(credential: string): void;
  close(): Promise<void>;
}

export interface StartSimulatorOptions {
  port: number;
  host: string;
  seed: string;
  credentials: string[];
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 65_536) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {});
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

/**
 * One simulated partner API on node:http: its own credential check and routes, plus the failure
 * injection every test needs (latency, 500s, 429 with Retry-After, hangs, corrupted records,
 * outage). Controlled through the returned handle or `/__admin/*` on the same port.
 */
export async function startSimulator(
  def: SimulatorDefinition,
  options: StartSimulatorOptions,
): Promise<SimulatorHandle> {
  let faults: SimulatorFaults = { ...NO_FAULTS };
  const scripted: ScriptedFailure[] = [];
  const withdrawn = new Set<string>();
  const credentials = new Set(options.credentials);
  let rand = new SeededRandom(`${options.seed}:${def.slug}:faults`);
  const stats: SimulatorStats = { requests: 0, byStatus: {}, dataRequests: 0, inFlight: 0, maxInFlight: 0 };
  const malformedCache = new Map<string, boolean>();
  const state: SimulatorState = {
    withdrawn,
    isMalformed(recordId) {
      if (faults.malformedRate <= 0) return false;
      const key = `${faults.malformedRate}:${recordId}`;
      let hit = malformedCache.get(key);
      if (hit === undefined) {
        const h = createHash('sha1').update(`${options.seed}:${recordId}`).digest().readUInt32LE(0) / 4294967296;
        hit = h < faults.malformedRate;
        malformedCache.set(key, hit);
      }
      return hit;
    },
  };
  const pending = new Set<NodeJS.Timeout>();

  const reply = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    send(res, status, body, headers);
  };

  const admin = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (path === '/__admin/stats' && req.method === 'GET') return reply(res, 200, { stats, faults, scripted });
    if (req.method !== 'POST') return reply(res, 405, { error: 'method not allowed' });
    const body = await readJson(req).catch(() => null);
    if (!body) return reply(res, 400, { error: 'body must be JSON' });
    if (path === '/__admin/faults') {
      handle.setFaults(body as Partial<SimulatorFaults>);
      return reply(res, 200, { faults });
    }
    if (path === '/__admin/fail-next') {
      handle.failNext(body.kind as ScriptedFailure, Number(body.count ?? 1));
      return reply(res, 200, { scripted });
    }
    if (path === '/__admin/withdraw') {
      handle.withdraw(Array.isArray(body.ids) ? body.ids.map(String) : []);
      return reply(res, 200, { withdrawn: withdrawn.size });
    }
    if (path === '/__admin/reset') {
      handle.reset();
      return reply(res, 200, { faults });
    }
    return reply(res, 404, { error: 'unknown admin route' });
  };

  const serve = (req: IncomingMessage, res: ServerResponse) => {
    stats.requests += 1;
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    if (url.pathname.startsWith('/__admin/')) {
      admin(req, res, url.pathname).catch(() => reply(res, 500, { error: 'admin failed' }));
      return;
    }
    if (url.pathname === '/health') return reply(res, 200, { ok: true, source: def.slug });
    stats.dataRequests += 1;
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.on('close', () => (stats.inFlight -= 1));
    const respond = () => {
      if (faults.outage) return reply(res, 503, { error: 'service unavailable', source: def.slug });
      const kind = chooseFailure(faults, scripted, rand);
      if (kind === '500') return reply(res, 500, { error: 'internal error' });
      if (kind === '503') return reply(res, 503, { error: 'service unavailable' });
      if (kind === '429')
        return reply(res, 429, { error: 'too many requests' }, { 'retry-after': String(faults.retryAfterSeconds) });
      if (kind === 'bad-json') {
        stats.byStatus[200] = (stats.byStatus[200] ?? 0) + 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"data": [ {"truncated');
        return;
      }
      if (kind === 'timeout') {
        const timer = setTimeout(() => {
          pending.delete(timer);
          reply(res, 504, { error: 'gateway timeout' });
        }, faults.hangMs);
        pending.add(timer);
        res.on('close', () => {
          clearTimeout(timer);
          pending.delete(timer);
        });
        return;
      }
      const credential = def.credentialOf(req);
      if (!credential || !credentials.has(credential))
        return reply(res, def.unauthorized.status, def.unauthorized.body, def.unauthorized.headers);
      const out = def.handle(url, state);
      if (!out) return reply(res, 404, { error: 'not found' });
      reply(res, out.status, out.body, out.headers);
    };
    if (faults.latencyMs > 0) {
      const timer = setTimeout(() => {
        pending.delete(timer);
        respond();
      }, faults.latencyMs);
      pending.add(timer);
    } else {
      respond();
    }
  };

  const server = http.createServer(serve);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  const handle: SimulatorHandle = {
    slug: def.slug,
    name: def.name,
    url: `http://${host}:${port}`,
    port,
    stats,
    setFaults(partial) {
      const next = { ...faults };
      for (const [key, value] of Object.entries(partial)) {
        if (!(key in NO_FAULTS)) continue;
        (next as Record<string, unknown>)[key] = key === 'outage' ? Boolean(value) : Number(value);
      }
      faults = next;
    },
    failNext(kind, count = 1) {
      for (let i = 0; i < count; i++) scripted.push(kind);
    },
    reset() {
      faults = { ...NO_FAULTS };
      scripted.length = 0;
      withdrawn.clear();
      rand = new SeededRandom(`${options.seed}:${def.slug}:faults`);
      stats.requests = 0;
      stats.dataRequests = 0;
      stats.maxInFlight = stats.inFlight;
      stats.byStatus = {};
    },
    withdraw(ids) {
      for (const id of ids) withdrawn.add(id);
    },
    acceptCredential(credential) {
      credentials.add(credential);
    },
    async close() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return handle;
}
