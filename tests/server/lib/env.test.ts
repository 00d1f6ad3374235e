import { describe, expect, test } from 'bun:test';
import { EnvError, parseEnv } from '../../../server/env.ts';

const fails = (source: Record<string, string>, variable: string) => {
  try {
    parseEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    expect((error as EnvError).variable).toBe(variable);
    expect((error as EnvError).message).toContain(variable);
    return;
  }
  throw new Error(`expected ${variable} to be refused`);
};

describe('environment', () => {
  test('defaults work in development', () => {
    const env = parseEnv({});
    expect(env.port).toBe(3000);
    expect(env.appUrl).toBe('http://localhost:3000');
    expect(env.platformFeePercent).toBe(15);
    expect(env.requireAdmin2fa).toBe(false);
    expect(env.trustedProxies).toEqual([]);
    expect(env.emailTokenTtlSeconds).toBe(600);
  });

  test('production refuses a missing or short SECRET_KEY', () => {
    fails({ NODE_ENV: 'production' }, 'SECRET_KEY');
    fails({ NODE_ENV: 'production', SECRET_KEY: 'too-short' }, 'SECRET_KEY');
    const env = parseEnv({ NODE_ENV: 'production', SECRET_KEY: 'x'.repeat(32), APP_URL: 'http://localhost:8080/' });
    expect(env.appUrl).toBe('http://localhost:8080');
    expect(env.appOrigin).toBe('http://localhost:8080');
  });

  test('bad values name their variable', () => {
    fails({ PORT: 'eighty' }, 'PORT');
    fails({ PORT: '70000' }, 'PORT');
    fails({ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL');
    fails({ REDIS_URL: 'not a url' }, 'REDIS_URL');
    fails({ PLATFORM_FEE_PERCENT: '150' }, 'PLATFORM_FEE_PERCENT');
    fails({ REQUIRE_ADMIN_2FA: 'maybe' }, 'REQUIRE_ADMIN_2FA');
    fails({ TRUSTED_PROXIES: '10.0.0.0/33' }, 'TRUSTED_PROXIES');
    fails({ TRUSTED_PROXIES: 'proxy.local' }, 'TRUSTED_PROXIES');
    fails({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
    fails({ ADMIN_EMAIL: 'admin@example.com' }, 'ADMIN_PASSWORD');
    fails({ NODE_ENV: 'staging' }, 'NODE_ENV');
  });

  test('lists and booleans parse', () => {
    const env = parseEnv({ TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8,::1', REQUIRE_ADMIN_2FA: 'true' });
    expect(env.trustedProxies).toEqual(['127.0.0.1', '10.0.0.0/8', '::1']);
    expect(env.requireAdmin2fa).toBe(true);
  });
});
