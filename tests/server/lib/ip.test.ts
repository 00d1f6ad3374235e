import { describe, expect, test } from 'bun:test';
import { ipMatches, normaliseIp, resolveClientIp } from '../../../server/lib/ip.ts';

describe('client address', () => {
  test('IPv4-mapped IPv6 peers are treated as IPv4', () => {
    expect(normaliseIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(ipMatches('::ffff:10.1.2.3', '10.0.0.0/8')).toBe(true);
  });

  test('CIDR matching for v4 and v6', () => {
    expect(ipMatches('192.168.1.77', '192.168.1.0/24')).toBe(true);
    expect(ipMatches('192.168.2.1', '192.168.1.0/24')).toBe(false);
    expect(ipMatches('2001:db8::1', '2001:db8::/32')).toBe(true);
    expect(ipMatches('2001:db9::1', '2001:db8::/32')).toBe(false);
    expect(ipMatches('::1', '::1')).toBe(true);
    expect(ipMatches('127.0.0.1', '::1')).toBe(false);
  });

  test('X-Forwarded-For is ignored unless the peer is a trusted proxy', () => {
    expect(resolveClientIp('::ffff:203.0.113.9', '1.2.3.4', [])).toBe('203.0.113.9');
    expect(resolveClientIp('203.0.113.9', '1.2.3.4', ['127.0.0.1'])).toBe('203.0.113.9');
  });

  test('behind trusted proxies the right-most untrusted hop is the client', () => {
    const trusted = ['127.0.0.1', '10.0.0.0/8'];
    expect(resolveClientIp('::ffff:127.0.0.1', '198.51.100.7', trusted)).toBe('198.51.100.7');
    // A client cannot spoof its address by prepending entries: the proxy appended the real one last.
    expect(resolveClientIp('127.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.0.5', trusted)).toBe('198.51.100.7');
    expect(resolveClientIp('127.0.0.1', 'garbage', trusted)).toBe('127.0.0.1');
  });
});
