import { Elysia } from 'elysia';
import { env } from '../env.ts';
import { DomainError } from '../errors.ts';

/** JSON bodies are small; uploads (multipart) get the larger MAX_BODY_BYTES and their own per-route checks. */
export const JSON_BODY_LIMIT = 1024 * 1024;

const tooLarge = () => new DomainError('payload_too_large', 'The request body is too large');

/** Reads a body up to `limit` bytes, counting what actually arrives (a chunked body has no Content-Length). */
async function readLimited(request: Request, limit: number): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Body rules for the API: JSON (or multipart for uploads) only, which also stops cross-site form posts;
 * size limits checked on the declared length first and on the bytes read for JSON.
 */
export const bodyRules = new Elysia({ name: 'body-rules' })
  .onRequest(({ request }) => {
    const contentType = request.headers.get('content-type')?.toLowerCase() ?? null;
    const multipart = contentType?.startsWith('multipart/form-data') ?? false;
    const length = Number(request.headers.get('content-length') ?? 0);
    if (length > (multipart ? env.maxBodyBytes : JSON_BODY_LIMIT)) throw tooLarge();
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    if (hasBody && contentType && !multipart && !/^application\/(.+\+)?json\b/.test(contentType) && new URL(request.url).pathname.startsWith('/api/')) {
      throw new DomainError('unsupported_media_type', 'Send JSON (Content-Type: application/json)');
    }
  })
  .onParse({ as: 'global' }, async ({ request, contentType }) => {
    if (!/^application\/(.+\+)?json\b/.test(contentType ?? '')) return;
    const text = await readLimited(request, JSON_BODY_LIMIT);
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new DomainError('invalid_json', 'The request body is not valid JSON', { body: 'is not valid JSON' });
    }
  });
