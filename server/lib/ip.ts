/**
 * Client address resolution behind reverse proxies.
 * X-Forwarded-For is believed only when the direct peer is a trusted proxy; we then walk the list from the
 * right and take the first address that is not itself a trusted proxy (left-most entries are client-supplied).
 */

/** Bun reports IPv4 peers of a dual-stack socket as `::ffff:a.b.c.d`; compare and key them as plain IPv4. */
export function normaliseIp(address: string): string {
  const trimmed = address.trim().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(trimmed);
  return (mapped?.[1] ?? trimmed).toLowerCase();
}

type Parsed = { version: 4 | 6; value: bigint };

function parseIp(address: string): Parsed | null {
  const ip = normaliseIp(address);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    const parts = ip.split('.').map(Number);
    if (parts.some((part) => part > 255)) return null;
    return { version: 4, value: parts.reduce((acc, part) => (acc << 8n) | BigInt(part), 0n) };
  }
  if (!ip.includes(':')) return null;
  const [head = '', tail, ...rest] = ip.split('::');
  if (rest.length > 0) return null;
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return null;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  if (groups.length !== 8 || groups.some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return null;
  return { version: 6, value: groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n) };
}

export function ipMatches(address: string, rule: string): boolean {
  const [base = '', bitsText] = rule.split('/');
  const ip = parseIp(address);
  const network = parseIp(base);
  if (!ip || !network || ip.version !== network.version) return false;
  const width = ip.version === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  const shift = BigInt(width - bits);
  return ip.value >> shift === network.value >> shift;
}

export function isTrusted(address: string, trustedProxies: readonly string[]): boolean {
  return trustedProxies.some((rule) => ipMatches(address, rule));
}

export function resolveClientIp(
  peer: string | null | undefined,
  forwardedFor: string | null | undefined,
  trustedProxies: readonly string[],
): string | null {
  const direct = peer ? normaliseIp(peer) : null;
  if (!direct || !forwardedFor || !isTrusted(direct, trustedProxies)) return direct;
  const hops = forwardedFor
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean)
    .map(normaliseIp);
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = hops[index]!;
    if (!parseIp(hop)) return direct;
    if (!isTrusted(hop, trustedProxies)) return hop;
  }
  return hops[0] ?? direct;
}
