import { Elysia, type ValidationError } from 'elysia';
import { DomainError, errorBody, type FieldErrors } from '../errors.ts';
import { logger } from '../logger.ts';
import { requestInfo } from './context.ts';

function fieldPath(path: string): string {
  // TypeBox paths look like /hourlyRate/amount or /items/0/name; the contract wants dotted paths.
  return path.replace(/^\//, '').split('/').map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~')).join('.') || '_';
}

/** Schemas may carry a friendly message in `x-error` (an OpenAPI extension keyword, so the document stays valid). */
function describe(error: { message: string; schema?: Record<string, unknown> }): string {
  if (error.message === 'Expected required property') return 'is required';
  if (error.message === 'Expected union value') return 'is not one of the accepted values';
  const custom = error.schema?.['x-error'];
  if (typeof custom === 'string') return custom;
  return error.message.charAt(0).toLowerCase() + error.message.slice(1);
}

export function validationFields(error: Readonly<ValidationError>): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.all) {
    if (!('path' in issue)) continue;
    const key = fieldPath(issue.path);
    fields[key] ??= describe(issue as { message: string; schema?: Record<string, unknown> });
  }
  if (Object.keys(fields).length === 0) fields._ = 'is invalid';
  return fields;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/**
 * Every failure leaves in the contract's error format. Elysia's own errors (validation, parse, not found)
 * are translated here, once; unexpected errors are logged with the request id and answered without internals.
 */
export const errorHandler = new Elysia({ name: 'error-handler' }).onError({ as: 'global' }, ({ code, error, request, set }) => {
  const requestId = requestInfo(request).requestId;
  const baseHeaders = { 'x-request-id': requestId };

  // Elysia wraps whatever a body parser throws in a ParseError; our parser throws 413 and invalid_json itself.
  const domain = error instanceof DomainError ? error : code === 'PARSE' && error.cause instanceof DomainError ? error.cause : null;
  if (domain) {
    return json(domain.status, errorBody(domain.code, domain.message, domain.fields), { ...baseHeaders, ...domain.headers });
  }
  switch (code) {
    case 'VALIDATION': {
      if (error.type === 'response') break;
      const fields = validationFields(error);
      if (error.type === 'body') {
        // A JSON body sent to an upload route fails as "expected a File": that is the wrong media type, not a bad field.
        const wantsFile = error.all.some((issue) => 'schema' in issue && (issue.schema as { format?: string }).format === 'binary');
        if (wantsFile && !request.headers.get('content-type')?.startsWith('multipart/form-data')) {
          return json(415, errorBody('unsupported_media_type', 'Upload the file as multipart/form-data (field "file")'), baseHeaders);
        }
        return json(422, errorBody('validation_failed', 'The request body is invalid', fields), baseHeaders);
      }
      // Ids are opaque strings: one that cannot exist (not a UUID) is simply not found.
      if (error.type === 'params') return json(404, errorBody('not_found', 'Not found'), baseHeaders);
      if (error.type === 'property') {
        // Elysia checks coerced query values (t.Integer, t.Boolean) one by one and forgets the name: recover it
        // from the query string by the offending value.
        const name = [...new URL(request.url).searchParams].find(([, value]) => value === String(error.value))?.[0];
        if (name && fields._) {
          fields[name] = fields._;
          delete fields._;
        }
        return json(400, errorBody('invalid_parameters', 'The request query is invalid', fields), baseHeaders);
      }
      return json(400, errorBody('invalid_parameters', `The request ${error.type} is invalid`, fields), baseHeaders);
    }
    case 'PARSE':
      return json(400, errorBody('invalid_json', 'The request body could not be parsed', { body: 'is not valid JSON' }), baseHeaders);
    case 'NOT_FOUND':
      return json(404, errorBody('not_found', 'No such route'), baseHeaders);
    case 'INVALID_FILE_TYPE':
      return json(415, errorBody('unsupported_media_type', 'This file type is not accepted'), baseHeaders);
  }
  const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
  if (status === 413) return json(413, errorBody('payload_too_large', 'The request body is too large'), baseHeaders);
  if (status === 415) return json(415, errorBody('unsupported_media_type', 'Unsupported content type'), baseHeaders);
  logger.error({ requestId, err: error instanceof Error ? { message: error.message, stack: error.stack } : error, code }, 'unhandled error');
  set.status = 500;
  return json(500, errorBody('internal_error', `Something went wrong on our side. Reference: ${requestId}`), baseHeaders);
});
