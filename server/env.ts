/**
 * The environment, parsed and validated once. Nothing else reads process.env.
 * A bad value stops the process at start with a message naming the variable.
 */

export type Env = Readonly<{
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  appUrl: string;
  /** Origin of APP_URL: the only origin the WebSocket accepts with cookie auth. */
  appOrigin: string;
  databaseUrl: string;
  redisUrl: string;
  smtpUrl: string;
  mailFrom: string;
  adminEmail: string | null;
  adminPassword: string | null;
  secretKey: string;
  uploadDir: string;
  platformFeePercent: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  requireAdmin2fa: boolean;
  trustedProxies: readonly string[];
  /** Lifetime of email verification and password reset tokens, in seconds. */
  emailTokenTtlSeconds: number;
  accessTokenTtlSeconds: number;
  sessionTtlDays: number;
  /** Max request body size in bytes (uploads have their own, smaller, per-route limits). */
  maxBodyBytes: number;
  /** Per-IP limits of the sign-in endpoints (generous: schools and offices share addresses). */
  ipLimits: Readonly<{ registrationsPerHour: number; failedSignInsPer15Min: number; emailsPer15Min: number }>;
  /** Key prefix of the BullMQ queues: separate deployments (or test runs) may share one Redis database. */
  queuePrefix: string;
  /** Set by `bun run start` for its children: exit when the supervisor is gone. */
  supervised: boolean;
  /** Chat: at most one email digest per conversation and member per this many minutes (CHAT_DIGEST_MINUTES, default 15). */
  chatDigestMinutes: number;
}>;

export class EnvError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid environment variable ${variable}: ${problem}`);
  }
}

const DEV_SECRET = 'development-only-secret-key-change-me-please';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

type Source = Record<string, string | undefined>;

function text(source: Source, name: string, fallback: string): string {
  const value = source[name]?.trim();
  return value ? value : fallback;
}

function integer(source: Source, name: string, fallback: number, min: number, max: number): number {
  const raw = source[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new EnvError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new EnvError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(source: Source, name: string, fallback: boolean): boolean {
  const raw = source[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new EnvError(name, `expected true or false, got "${raw}"`);
}

function url(source: Source, name: string, fallback: string, protocols: string[]): string {
  const value = text(source, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new EnvError(name, `not a valid URL: "${value}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new EnvError(name, `expected a ${protocols.join(' or ')} URL, got "${parsed.protocol}"`);
  }
  return value;
}

export function parseEnv(source: Source): Env {
  const nodeEnvRaw = text(source, 'NODE_ENV', 'development');
  if (nodeEnvRaw !== 'development' && nodeEnvRaw !== 'production' && nodeEnvRaw !== 'test') {
    throw new EnvError('NODE_ENV', `expected development, production or test, got "${nodeEnvRaw}"`);
  }
  const nodeEnv = nodeEnvRaw;
  const port = integer(source, 'PORT', 3000, 0, 65535);
  const appUrl = url(source, 'APP_URL', `http://localhost:${port}`, ['http:', 'https:']).replace(/\/+$/, '');

  const secretRaw = source.SECRET_KEY?.trim();
  if (nodeEnv === 'production' && !secretRaw) {
    throw new EnvError('SECRET_KEY', 'required when NODE_ENV=production (at least 32 characters)');
  }
  if (secretRaw !== undefined && secretRaw !== '' && secretRaw.length < 32) {
    throw new EnvError('SECRET_KEY', `must be at least 32 characters, got ${secretRaw.length}`);
  }

  const adminEmail = source.ADMIN_EMAIL?.trim() || null;
  const adminPassword = source.ADMIN_PASSWORD || null;
  if ((adminEmail === null) !== (adminPassword === null)) {
    throw new EnvError(adminEmail ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL', 'ADMIN_EMAIL and ADMIN_PASSWORD go together');
  }
  if (adminEmail && !/^[^\s@]+@[^\s@]+$/.test(adminEmail)) {
    throw new EnvError('ADMIN_EMAIL', `not an email address: "${adminEmail}"`);
  }

  const logLevel = text(source, 'LOG_LEVEL', nodeEnv === 'test' ? 'silent' : 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new EnvError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const trustedProxies = text(source, 'TRUSTED_PROXIES', '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of trustedProxies) {
    if (!isAddressOrCidr(entry)) throw new EnvError('TRUSTED_PROXIES', `not an IP address or CIDR: "${entry}"`);
  }

  return Object.freeze({
    nodeEnv,
    port,
    appUrl,
    appOrigin: new URL(appUrl).origin,
    databaseUrl: url(source, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/lyceum', ['postgres:', 'postgresql:']),
    redisUrl: url(source, 'REDIS_URL', 'redis://127.0.0.1:6379/0', ['redis:', 'rediss:']),
    smtpUrl: url(source, 'SMTP_URL', 'smtp://127.0.0.1:1025', ['smtp:', 'smtps:']),
    mailFrom: text(source, 'MAIL_FROM', 'Lyceum <no-reply@lyceum.local>'),
    adminEmail,
    adminPassword,
    secretKey: secretRaw || DEV_SECRET,
    uploadDir: text(source, 'UPLOAD_DIR', './uploads'),
    platformFeePercent: integer(source, 'PLATFORM_FEE_PERCENT', 15, 0, 100),
    logLevel: logLevel as Env['logLevel'],
    requireAdmin2fa: boolean(source, 'REQUIRE_ADMIN_2FA', false),
    trustedProxies,
    emailTokenTtlSeconds: integer(source, 'EMAIL_TOKEN_TTL_SECONDS', 600, 60, 7 * 24 * 3600),
    accessTokenTtlSeconds: integer(source, 'ACCESS_TOKEN_TTL_SECONDS', 900, 30, 24 * 3600),
    sessionTtlDays: integer(source, 'SESSION_TTL_DAYS', 30, 1, 365),
    maxBodyBytes: integer(source, 'MAX_BODY_BYTES', 12 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    ipLimits: Object.freeze({
      registrationsPerHour: integer(source, 'RATE_LIMIT_IP_REGISTRATIONS_PER_HOUR', 1000, 1, 1_000_000),
      failedSignInsPer15Min: integer(source, 'RATE_LIMIT_IP_FAILED_SIGNINS_PER_15_MIN', 300, 1, 1_000_000),
      emailsPer15Min: integer(source, 'RATE_LIMIT_IP_EMAILS_PER_15_MIN', 300, 1, 1_000_000),
    }),
    queuePrefix: text(source, 'QUEUE_PREFIX', 'lyceum'),
    supervised: source.LYCEUM_SUPERVISED === '1',
    chatDigestMinutes: integer(source, 'CHAT_DIGEST_MINUTES', 15, 0, 7 * 24 * 60),
  });
}

function isAddressOrCidr(entry: string): boolean {
  const [address, bits, ...rest] = entry.split('/');
  if (rest.length > 0 || !address) return false;
  const isV4 = /^(\d{1,3})(\.\d{1,3}){3}$/.test(address) && address.split('.').every((part) => Number(part) <= 255);
  const isV6 = !isV4 && address.includes(':') && /^[0-9a-fA-F:.]+$/.test(address);
  if (!isV4 && !isV6) return false;
  if (bits === undefined) return true;
  return /^\d+$/.test(bits) && Number(bits) <= (isV4 ? 32 : 128);
}

function loadEnv(): Env {
  try {
    return parseEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`lyceum: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

export const env: Env = loadEnv();
