#!/usr/bin/env bash
# While the schema is unreleased (nothing has landed yet), the whole schema is one initial
# migration: regenerate it from src/db/schema.ts. Serialized, because several engineers share
# this working tree. Once a release lands, use `npm run db:generate -- --name <change>` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/rekindle-schema.lock
flock 9
rm -rf drizzle
npx drizzle-kit generate --name init
