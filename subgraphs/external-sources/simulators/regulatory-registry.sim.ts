import type { RegistryRecord } from './datasets';
import { intParam, type SimulatorDefinition } from './sim-definition';

/**
 * Regulatory Registry: licence records in a search-engine style envelope (`start`/`rows`,
 * `numFound`), provinces as two- or three-letter codes. HTTP Basic auth (`client:secret`).
 */
export function regulatoryRegistry(records: RegistryRecord[]): SimulatorDefinition {
  return {
    slug: 'regulatory-registry',
    name: 'Regulatory Registry',
    credentialOf(req) {
      const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
      return match ? Buffer.from(match[1], 'base64').toString('utf8') : undefined;
    },
    unauthorized: {
      status: 401,
      body: { responseHeader: { status: 401 }, error: { msg: 'authentication required' } },
      headers: { 'www-authenticate': 'Basic realm="registry"' },
    },
    handle(url, state) {
      if (url.pathname !== '/registry/v1/licences') return null;
      const start = intParam(url, 'start', 0, 0, 10_000_000);
      const rows = intParam(url, 'rows', 100, 1, 250);
      if (start === null || rows === null)
        return {
          status: 400,
          body: { responseHeader: { status: 400 }, error: { msg: 'start >= 0, rows within 1..250' } },
        };
      const visible = state.withdrawn.size ? records.filter((r) => !state.withdrawn.has(r.licence_no)) : records;
      const docs = visible.slice(start, start + rows).map((r) => (state.isMalformed(r.licence_no) ? corrupt(r) : r));
      return {
        status: 200,
        body: { responseHeader: { status: 0, QTime: 3 }, response: { numFound: visible.length, start, docs } },
      };
    },
  };
}

function corrupt(r: RegistryRecord): unknown {
  switch (r.licence_no.charCodeAt(r.licence_no.length - 1) % 3) {
    case 0:
      return { ...r, status: 'PENDING_REVIEW?' };
    case 1:
      return { ...r, expires_on: '31/02/2025' };
    default: {
      const { licence_no: _no, ...rest } = r;
      return rest;
    }
  }
}
