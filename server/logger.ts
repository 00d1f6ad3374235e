import pino from 'pino';
import { env } from './env.ts';

/**
 * Structured JSON logs. Redaction is a safety net: code must never log secrets in the first place.
 */
export const logger = pino({
  level: env.logLevel,
  base: { service: 'lyceum', pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: {
    paths: [
      'password',
      '*.password',
      '*.newPassword',
      '*.currentPassword',
      '*.token',
      '*.refreshToken',
      '*.accessToken',
      'headers.authorization',
      'headers.cookie',
    ],
    censor: '[redacted]',
  },
});

export type Logger = typeof logger;

