import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { signGatewayRequest, SIGNATURE_HEADER } from '#platform/infra/auth/gateway-signature';

/**
 * Apollo Router cannot compute our HMAC itself, so it calls this coprocessor at the
 * SubgraphRequest stage (deploy/router/router.yaml sends headers, body, method and URI): the
 * coprocessor adds the request id and the client's user agent and signs the whole subgraph
 * request — method, path, the body (in canonical JSON, as the router re-serialises it), the
 * timestamp, a nonce and the identity headers. Run it beside the router with the gateway keys only
 * (never INTERNAL_SECRET):
 *   GATEWAY_SECRET=… node dist/gateway/portable/router-coprocessor.js   (listens on COPROCESSOR_PORT, 4010)
 */
export interface CoprocessorPayload {
  version: number;
  stage: string;
  control: unknown;
  id: string;
  headers?: Record<string, string[]>;
  /** The subgraph request's GraphQL body, its method and its URI (router.yaml asks for all three). */
  body?: unknown;
  method?: string;
  uri?: string;
  [key: string]: unknown;
}

export function signSubgraphRequest(secret: string, payload: CoprocessorPayload): CoprocessorPayload {
  if (payload.stage !== 'SubgraphRequest') return payload;
  const headers: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(payload.headers ?? {})) headers[name.toLowerCase()] = values;
  const first = (name: string) => headers[name]?.[0];
  if (!first('x-request-id')) headers['x-request-id'] = [payload.id || randomUUID()];
  const agent = first('user-agent');
  if (agent) headers['x-client-user-agent'] = [agent.slice(0, 512)];
  // x-client-ip and x-partner-id are only ever set by a gateway that verified them: drop any copy.
  delete headers['x-client-ip'];
  delete headers['x-partner-id'];
  // Without the body and URI the signature cannot be made: stop the request rather than guess.
  if (payload.body === undefined || typeof payload.uri !== 'string') return { ...payload, control: { break: 500 } };
  const { pathname, search } = new URL(payload.uri, 'http://subgraph');
  headers[SIGNATURE_HEADER] = [
    signGatewayRequest(secret, {
      method: payload.method ?? 'POST',
      pathWithQuery: pathname + search,
      body: payload.body,
      get: first,
    }),
  ];
  return { ...payload, headers };
}

export function createCoprocessorServer(secret: string): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1_048_576) chunks.push(c);
    });
    req.on('end', () => {
      try {
        if (size > 1_048_576) throw new Error('payload too large');
        const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CoprocessorPayload;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(signSubgraphRequest(secret, payload)));
      } catch {
        // An unreadable payload stops the request rather than letting it through unsigned.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ version: 1, control: { break: 500 } }));
      }
    });
  });
}

if (require.main === module) {
  const secret = process.env.GATEWAY_SECRET;
  if (!secret) {
    process.stderr.write('router-coprocessor: GATEWAY_SECRET must be set\n');
    process.exit(1);
  }
  const port = Number(process.env.COPROCESSOR_PORT ?? 4010);
  createCoprocessorServer(secret).listen(port, process.env.HOST ?? '127.0.0.1', () => {
    process.stdout.write(`router coprocessor signing subgraph requests on :${port}\n`);
  });
}
