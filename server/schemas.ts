/** Schemas shared by every module's routes: the error body and the per-route documentation helpers. */
import { t, type TSchema } from 'elysia';

export const ErrorResponse = t.Object(
  {
    error: t.Object({
      code: t.String({ description: 'snake_case error code', examples: ['validation_failed'] }),
      message: t.String({ description: 'Human readable message' }),
      fields: t.Optional(t.Record(t.String(), t.String(), { description: 'Dotted field path -> what is wrong' })),
    }),
  },
  { title: 'Error' },
);

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (bad JSON, invalid query or path parameters)',
  401: 'Not authenticated',
  403: 'Authenticated but not allowed',
  404: 'Not found',
  409: 'Conflict with the current state',
  410: 'Gone (expired)',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Invalid body',
  429: 'Rate limited (see Retry-After)',
};

/** Declares the error responses of a route (documentation; the errors plugin renders them). */
export function errors(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(
    statuses.map((status) => [status, t.Ref('#/components/schemas/Error', { description: ERROR_DESCRIPTIONS[status] ?? 'Error' }) as TSchema]),
  );
}

export const NoContent = t.Void({ description: 'No content' });
export const Accepted = t.Void({ description: 'Accepted' });

/** OpenAPI security requirement for authenticated routes (Bearer token or the session cookie). */
export const AUTHENTICATED: Array<Record<string, string[]>> = [{ bearer: [] }, { cookie: [] }];
/** OpenAPI security requirement for public routes. */
export const PUBLIC: never[] = [];
