import { t } from 'elysia';

export const Email = t.String({
  minLength: 3,
  maxLength: 254,
  // Surrounding white space is tolerated here and trimmed by the service.
  pattern: '^\\s*[^\\s@]+@[^\\s@]+\\.[^\\s@]+\\s*$',
  'x-error': 'must be a valid email address',
  examples: ['ada@example.com'],
});
export const Password = t.String({ minLength: 1, maxLength: 256, 'x-error': 'must be a string of at most 256 characters' });
export const Name = t.String({ minLength: 1, maxLength: 100, 'x-error': 'must be 1 to 100 characters' });
export const Timezone = t.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin', examples: ['Europe/Berlin'] });
// No minimum: an empty token is simply an unknown one (400 invalid_token), as the contract lists.
export const Token = t.String({ maxLength: 512, 'x-error': 'must be a string' });

export const User = t.Object(
  {
    id: t.String(),
    email: t.String(),
    name: t.String(),
    role: t.Union([t.Literal('student'), t.Literal('tutor'), t.Literal('admin')]),
    emailVerified: t.Boolean(),
    timezone: t.String(),
    photoUrl: t.Union([t.String(), t.Null()]),
    twoFactorEnabled: t.Boolean(),
    createdAt: t.String({ format: 'date-time' }),
  },
  { title: 'User' },
);

export const UserEnvelope = t.Object({ user: User });

export const RegisterBody = t.Object({
  email: Email,
  password: Password,
  name: Name,
  role: t.Union([t.Literal('student'), t.Literal('tutor')], { 'x-error': 'must be "student" or "tutor"' }),
  timezone: t.Optional(Timezone),
});

export const VerifyEmailBody = t.Object({ token: Token });
export const EmailBody = t.Object({ email: Email });

export const LoginBody = t.Object({
  email: Email,
  password: Password,
  totp: t.Optional(t.String({ maxLength: 64, description: 'TOTP code or a recovery code, when 2FA is enabled' })),
});

export const TokenPair = t.Object({
  accessToken: t.String(),
  refreshToken: t.String(),
  expiresIn: t.Integer({ description: 'Access token lifetime in seconds' }),
});

export const LoginResponse = t.Object({
  accessToken: t.String(),
  refreshToken: t.String(),
  expiresIn: t.Integer({ description: 'Access token lifetime in seconds' }),
  user: User,
});

export const RefreshBody = t.Object({ refreshToken: Token });
export const ResetPasswordBody = t.Object({ token: Token, password: Password });
export const ChangePasswordBody = t.Object({ currentPassword: Password, newPassword: Password });

export const UpdateMeBody = t.Object({ name: t.Optional(Name), timezone: t.Optional(Timezone) });

export const WsTicket = t.Object({
  ticket: t.String(),
  expiresIn: t.Integer({ description: 'Seconds until the ticket expires' }),
});
