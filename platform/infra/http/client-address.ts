import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * The client's address as the gateway should count it. `Forwarded` / `X-Forwarded-For` are read
 * only when the TCP peer is one of TRUSTED_PROXIES (the deployment's ingress); anyone else could
 * write any address there. The chain is walked from the right: each hop a trusted proxy added is
 * skipped, and the first address no trusted proxy vouches for is the client's (RFC 7239 §5.2).
 */
export type ClientAddressOf = (req: IncomingMessage) => string | null;

const MAX_HOPS = 32;

/** Parses `TRUSTED_PROXIES` (comma-separated addresses or CIDRs); throws naming the bad entry. */
export function parseTrustedProxies(value: string | undefined): BlockList {
  const list = new BlockList();
  for (const raw of (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [address, bits, extra] = raw.split('/');
    const family = isIP(address);
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (
      !family ||
      extra !== undefined ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > (family === 6 ? 128 : 32) ||
      (bits !== undefined && !/^\d+$/.test(bits))
    ) {
      throw new Error(`not an address or CIDR: ${raw}`);
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; brackets and ports dropped; null for anything that is not an address. */
export function normaliseAddress(value: string | undefined | null): string | null {
  if (!value) return null;
  let v = value.trim().replace(/^"|"$/g, '');
  if (v.startsWith('[')) v = v.slice(1, v.indexOf(']') > 0 ? v.indexOf(']') : undefined);
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(v)) v = v.slice(0, v.lastIndexOf(':'));
  if (/^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(v)) v = v.slice(7);
  return isIP(v) ? v.toLowerCase() : null;
}

/** The hops a request claims, nearest last: `Forwarded: for=` when present, else `X-Forwarded-For`. */
function claimedHops(req: IncomingMessage): Array<string | null> {
  const forwarded = req.headers.forwarded;
  if (typeof forwarded === 'string' && forwarded.trim()) {
    return forwarded
      .split(',')
      .slice(-MAX_HOPS)
      .map((element) => {
        const pair = element
          .split(';')
          .map((p) => p.trim())
          .find((p) => p.toLowerCase().startsWith('for='));
        return pair ? normaliseAddress(pair.slice(4)) : null;
      });
  }
  const xff = req.headers['x-forwarded-for'];
  const joined = Array.isArray(xff) ? xff.join(',') : xff;
  if (!joined) return [];
  return joined
    .split(',')
    .slice(-MAX_HOPS)
    .map((hop) => normaliseAddress(hop));
}

export function createClientAddress(trustedProxies: string | undefined): ClientAddressOf {
  const trusted = parseTrustedProxies(trustedProxies);
  const isTrusted = (address: string) => trusted.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  const anyTrusted = (trustedProxies ?? '').trim() !== '';
  return (req) => {
    const peer = normaliseAddress(req.socket.remoteAddress);
    if (!anyTrusted || !peer || !isTrusted(peer)) return peer;
    let client = peer;
    const hops = claimedHops(req);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i];
      // An unparsable hop (`unknown`, an obfuscated id) ends the walk at the last trusted address.
      if (!hop) break;
      client = hop;
      if (!isTrusted(hop)) break;
    }
    return client;
  };
}
