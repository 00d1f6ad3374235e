/**
 * The job queues dashboard (bull-board) at /admin/queues, for admins only. Served by this server, not by the web
 * app: browsers reach it with the session cookie (a Bearer token works too).
 *
 * - Anonymous: a browser navigation is redirected to /login?next=/admin/queues; anything else gets 401.
 * - Signed in but not an admin: 403 (and 403 `two_factor_required` for admins without 2FA when REQUIRE_ADMIN_2FA is on).
 * - State-changing requests (retry, clean, pause...) must come from this origin: the SameSite=Lax cookie already
 *   keeps cross-site ones out, and a foreign Origin is refused as well.
 * - Works offline: bull-board serves its own scripts and styles; the one external link of its page (a web font)
 *   is dropped.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ElysiaAdapter } from '@bull-board/elysia';
import { Elysia } from 'elysia';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { QUEUES, getQueue } from '../../../jobs/queues.ts';
import { DomainError, unauthorized } from '../../errors.ts';
import { assertAdmin, authenticate } from '../../plugins/auth.ts';

export const QUEUES_PATH = '/admin/queues';

/** bull-board's page with its web-font link removed, written once per process to a private temp directory. */
function offlineViewsPath(): string {
  // @bull-board/ui is a dependency of @bull-board/api: resolve it from there.
  const fromApi = createRequire(createRequire(import.meta.url).resolve('@bull-board/api/package.json'));
  const uiDist = join(dirname(fromApi.resolve('@bull-board/ui/package.json')), 'dist');
  const page = readFileSync(join(uiDist, 'index.ejs'), 'utf8').replace(/<link[^>]+fonts\.googleapis\.com[^>]*>\s*/g, '');
  const dir = join(tmpdir(), `lyceum-bull-board-${process.pid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'index.ejs'), page);
  return dir;
}

type Board = { app: { handle(request: Request): Promise<Response> } };
let board: Promise<Board> | null = null;

async function loadBoard(): Promise<Board> {
  const serverAdapter = new ElysiaAdapter(QUEUES_PATH);
  const queues = await Promise.all(Object.values(QUEUES).map((name) => getQueue(name)));
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Lyceum jobs' } },
  });
  serverAdapter.setViewsPath(offlineViewsPath());
  const app = new Elysia().use(await serverAdapter.registerPlugin());
  return { app };
}

function wantsPage(request: Request): boolean {
  return request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html');
}

function sameOrigin(request: Request): boolean {
  if (request.headers.get('sec-fetch-site') === 'cross-site') return false;
  const origin = request.headers.get('origin');
  if (!origin) return true;
  try {
    return new URL(origin).host === (request.headers.get('host') ?? new URL(request.url).host);
  } catch {
    return false;
  }
}

async function serve(request: Request): Promise<Response> {
  const actor = await authenticate(request);
  if (!actor) {
    if (wantsPage(request)) {
      return new Response(null, { status: 302, headers: { location: `/login?next=${QUEUES_PATH}`, 'cache-control': 'no-store' } });
    }
    throw unauthorized();
  }
  assertAdmin(actor);
  if (request.method !== 'GET' && request.method !== 'HEAD' && !sameOrigin(request)) {
    throw new DomainError('forbidden', 'Cross-origin requests are refused');
  }
  board ??= loadBoard().catch((error: unknown) => {
    board = null;
    throw error;
  });
  const response = await (await board).app.handle(request);
  const headers = new Headers(response.headers);
  headers.set('cache-control', 'private, no-store');
  headers.set('x-content-type-options', 'nosniff');
  headers.set('x-frame-options', 'DENY');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Handled before routing and body parsing: bull-board's own handlers read the untouched request (its JSON bodies
 * included), and nothing of it appears in the OpenAPI document.
 */
export const queuesDashboard = new Elysia({ name: 'queues-dashboard' }).onRequest(({ request }) => {
  const { pathname } = new URL(request.url);
  if (pathname === QUEUES_PATH || pathname.startsWith(`${QUEUES_PATH}/`)) return serve(request);
});
