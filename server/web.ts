/**
 * Serves the SvelteKit app (adapter-node build) from this process: static client files with Bun.file,
 * everything else through the kit server's `respond`. One origin for pages, API and WebSocket.
 */
import { existsSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { logger } from './logger.ts';

const BUILD_DIR = join(import.meta.dir, '..', 'web', 'build');
const CLIENT_DIR = join(BUILD_DIR, 'client');

type KitServer = {
  init(options: { env: Record<string, string | undefined>; read?: (file: string) => ReadableStream }): Promise<void>;
  respond(request: Request, options: { getClientAddress(): string; platform?: unknown }): Promise<Response>;
};

let kit: Promise<KitServer | null> | null = null;

export function webBuildExists(): boolean {
  return existsSync(join(BUILD_DIR, 'server', 'index.js'));
}

async function loadKit(): Promise<KitServer | null> {
  if (!webBuildExists()) {
    logger.warn({ dir: BUILD_DIR }, 'no web build found: pages are not served (run `bun run build`)');
    return null;
  }
  const { Server } = (await import(join(BUILD_DIR, 'server', 'index.js'))) as { Server: new (manifest: unknown) => KitServer };
  const { manifest } = (await import(join(BUILD_DIR, 'server', 'manifest.js'))) as { manifest: unknown };
  const server = new Server(manifest);
  await server.init({ env: process.env as Record<string, string>, read: (file) => Bun.file(join(CLIENT_DIR, file)).stream() });
  return server;
}

async function staticFile(pathname: string): Promise<Response | null> {
  if (pathname === '/' || pathname.endsWith('/')) return null;
  const relative = normalize(decodeURIComponent(pathname)).replace(/^(\.\.(\/|\\|$))+/, '');
  const file = Bun.file(join(CLIENT_DIR, relative));
  if (!relative.startsWith('/') || !(await file.exists())) return null;
  const immutable = relative.startsWith('/_app/immutable/');
  return new Response(file, {
    headers: {
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
      'x-content-type-options': 'nosniff',
    },
  });
}

export async function serveWeb(request: Request, clientAddress: string | null): Promise<Response | null> {
  kit ??= loadKit();
  const server = await kit;
  if (!server) return null;
  const { pathname } = new URL(request.url);
  if (request.method === 'GET' || request.method === 'HEAD') {
    const file = await staticFile(pathname);
    if (file) return file;
  }
  return server.respond(request, { getClientAddress: () => clientAddress ?? '127.0.0.1' });
}
