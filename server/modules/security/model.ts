import { t } from 'elysia';
import { ListQuery, listOf } from '../../lib/pagination.ts';

export const TwoFactorSetup = t.Object(
  {
    secret: t.String({ description: 'Base32 secret (RFC 4648, no padding) to type into an authenticator app', examples: ['JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'] }),
    otpauthUri: t.String({
      description: 'otpauth://totp/Lyceum:<email>?secret=...&issuer=Lyceum&algorithm=SHA1&digits=6&period=30 (show it as a QR code)',
    }),
  },
  { title: 'TwoFactorSetup' },
);

export const CodeBody = t.Object({
  code: t.String({ minLength: 1, maxLength: 64, description: 'A 6-digit TOTP code (or, to disable, an unused recovery code)', 'x-error': 'is required' }),
});

export const RecoveryCodes = t.Object(
  {
    recoveryCodes: t.Array(t.String(), {
      minItems: 8,
      description: 'One-time codes (10) that stand in for a TOTP code when the authenticator is lost. Shown only this once.',
    }),
  },
  { title: 'RecoveryCodes' },
);

export const Session = t.Object(
  {
    id: t.String({ description: 'Opaque id of the session (not its token, nor the token hash)' }),
    createdAt: t.String({ format: 'date-time' }),
    lastUsedAt: t.String({ format: 'date-time', description: 'Updated at most about once a minute' }),
    ip: t.Union([t.String(), t.Null()], { description: 'Address the session signed in from' }),
    userAgent: t.Union([t.String(), t.Null()]),
    current: t.Boolean({ description: 'true for the session making this request' }),
  },
  { title: 'Session' },
);

export const SessionList = listOf(Session, 'SessionList');
export const SessionQuery = t.Object({ ...ListQuery });
export const SessionParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64, 'x-error': 'must be a session id' }) });

export const PhotoBody = t.Object({
  file: t.File({ description: 'PNG, JPEG or WebP (decided by the content, not the name), at most 5 MB' }),
});

export const PhotoUrl = t.Object({ photoUrl: t.String({ description: 'URL of the re-encoded photo; it changes with every upload' }) }, { title: 'PhotoUrl' });

export const UserIdParams = t.Object({ id: t.String({ format: 'uuid', 'x-error': 'must be a user id' }) });
export const PhotoQuery = t.Object({ v: t.Optional(t.String({ maxLength: 200, description: 'Version from photoUrl (cache busting)' })) });

export const PhotoFile = t.File({
  description: 'The photo: a 256x256 WebP',
  'x-media-types': ['image/webp'],
});
