# syntax=docker/dockerfile:1
#
# Lyceum: one image for the HTTP server (default CMD: migrate, then serve) and the job workers
# (`docker run … bun jobs/worker.ts`, or the `worker` service in docker-compose.yml).
#
#   docker build -t lyceum .
#
ARG BUN_IMAGE=oven/bun:1.4-slim

# ---------------------------------------------------------------------------------------------------------
# deps: every dependency (dev ones included: the web build needs vite, svelte, tailwind…).
# Only the manifests are copied first, so this layer is reused until a dependency changes.
FROM ${BUN_IMAGE} AS deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
COPY web/package.json ./web/package.json
RUN bun install --frozen-lockfile

# ---------------------------------------------------------------------------------------------------------
# prod-deps: runtime dependencies only (no vite, drizzle-kit, playwright, typescript toolchain for the web…).
# The SvelteKit adapter-node build bundles everything it uses, so web/ needs no node_modules at runtime.
FROM ${BUN_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
COPY web/package.json ./web/package.json
RUN bun install --frozen-lockfile --production

# ---------------------------------------------------------------------------------------------------------
# build: the SvelteKit app (`bun run build` = `cd web && bun --bun vite build`) into web/build.
FROM deps AS build
WORKDIR /app
COPY . .
RUN bun run build \
 && test -f web/build/server/index.js \
 && test -f web/build/server/manifest.js \
 && test -d web/build/client

# ---------------------------------------------------------------------------------------------------------
# runtime: production files only, running as the image's unprivileged `bun` user.
FROM ${BUN_IMAGE} AS runtime
WORKDIR /app

ENV NODE_ENV=production \
    PORT=3000 \
    UPLOAD_DIR=/data/uploads

# Uploads live outside the (read-only to `bun`) application tree; mount a volume here to keep them.
RUN mkdir -p /data/uploads && chown -R bun:bun /data

# Files stay owned by root: the app never writes to its own tree.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/web/build ./web/build
COPY web/package.json ./web/package.json
COPY package.json bunfig.toml tsconfig.json ./
# db/ includes db/migrations (SQL + meta/_journal.json), read at runtime by db/migrate.ts.
COPY db ./db
COPY server ./server
COPY jobs ./jobs
COPY scripts ./scripts

USER bun
EXPOSE 3000

# Liveness only (no curl in slim images): /health/ready would also fail while Postgres or Redis blips.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]

# Migrations are idempotent and serialised by an advisory lock, so several replicas may start at once.
# `exec` makes the server PID 1's direct replacement, so `docker stop`'s SIGTERM reaches it (graceful drain).
CMD ["sh", "-c", "bun db/migrate.ts && exec bun server/main.ts"]
