import { Elysia, t } from 'elysia';
import { sql } from '../../db/client.ts';
import { redis } from '../redis.ts';

const Health = t.Object({ status: t.String(), postgres: t.Optional(t.String()), redis: t.Optional(t.String()) });

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))]);
}

async function probe(check: () => Promise<unknown>): Promise<'ok' | 'down'> {
  try {
    await withTimeout(check(), 1500);
    return 'ok';
  } catch {
    return 'down';
  }
}

export const healthRoutes = new Elysia({ name: 'health', prefix: '/health' })
  .get('/live', () => ({ status: 'ok' }), {
    response: { 200: Health },
    detail: { summary: 'Liveness: the process runs', tags: ['Health'], security: [] },
  })
  .get(
    '/ready',
    async ({ set }) => {
      const [postgres, cache] = await Promise.all([probe(() => sql`select 1`), probe(() => redis.ping())]);
      const ready = postgres === 'ok' && cache === 'ok';
      set.status = ready ? 200 : 503;
      return { status: ready ? 'ok' : 'unavailable', postgres, redis: cache };
    },
    {
      response: { 200: Health, 503: Health },
      detail: { summary: 'Readiness: Postgres and Redis answer', tags: ['Health'], security: [] },
    },
  );
