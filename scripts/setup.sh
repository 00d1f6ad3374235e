#!/usr/bin/env bash
# Takes a fresh machine (Debian, Node + npm, Postgres and Redis reachable) to a ready checkout:
# installs bun if missing, installs dependencies from the lockfile, migrates the database and builds the web app.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v bun >/dev/null 2>&1; then
  echo "setup: installing bun 1.4 with npm"
  npm install -g bun@1.4
fi
bun install --frozen-lockfile
bun run db:migrate
bun run build
echo "setup: done. Start with: bun run start  (then open \${APP_URL:-http://localhost:3000})"
