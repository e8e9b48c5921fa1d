#!/usr/bin/env bash
# Makes this machine ready for `npm test` and `npm run demo`: Node 24, PostgreSQL and Redis
# (installed when missing, started when nothing answers on 127.0.0.1:5432 / :6379), Chromium
# (the browser tests), Dovecot (the IMAP reply channel's test) and Radicale (a CalDAV server),
# then the npm dependencies. On Debian and Ubuntu it installs with apt (as root, or through
# sudo); elsewhere it installs nothing and says what to install.
#
# `npm run setup`, or `bash scripts/setup.sh` on a machine without Node yet. .ci/run sources
# it, so CI sets a machine up exactly as a person does.

rekindle_setup() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cd "$root"

  local sudo=''
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo='sudo'; fi
  fi
  local apt=false
  if [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    apt=true
  fi

  # What is missing, as Debian/Ubuntu packages.
  local missing=()
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
  command -v radicale >/dev/null 2>&1 || python3 -c 'import radicale' >/dev/null 2>&1 || missing+=(radicale)

  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$apt" = true ]; then
      echo "setup: installing ${missing[*]}"
      $sudo apt-get update -qq
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
      rekindle_setup_elsewhere "${missing[@]}"
      return 1
    fi
  fi

  # Node 24: Debian's own Node is older; the npm registry ships Node as a package.
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -lt 22 ]; then
    local dir="$HOME/.cache/node24"
    [ -x "$dir/node_modules/.bin/node" ] || npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund node@24
    export PATH="$dir/node_modules/.bin:$PATH"
    REKINDLE_NODE_PATH_HINT="export PATH=\"$dir/node_modules/.bin:\$PATH\""
  fi
  echo "setup: node $(node --version), npm $(npm --version)"

  # PostgreSQL and Redis where the tests expect them; started only when nothing answers there.
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    local cluster
    cluster="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$cluster" ]; then
      echo "setup: PostgreSQL is installed but has no cluster in /etc/postgresql; create one with pg_createcluster" >&2
      return 1
    fi
    echo "setup: starting PostgreSQL $cluster"
    $sudo pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "setup: starting Redis on 127.0.0.1:6379"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  fi
  # pg_isready waits by itself (up to -t seconds); Redis answers as soon as it has loaded nothing.
  pg_isready -q -h 127.0.0.1 -p 5432 -t 30 || { echo "setup: PostgreSQL does not answer on 127.0.0.1:5432" >&2; return 1; }
  local tries=0
  until redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 30 ]; then echo "setup: Redis does not answer on 127.0.0.1:6379" >&2; return 1; fi
    sleep 1
  done
  # The tests connect as the `postgres` user without a password (Debian's local default).

  # The npm dependencies: always afresh in CI, else only when there are none yet.
  if [ "${CI:-}" = true ] || [ ! -d node_modules ]; then
    npm ci --no-audit --no-fund
  fi

  echo "setup: ready. npm test runs the tests; npm run demo shows rekindle working."
  if [ -n "${REKINDLE_NODE_PATH_HINT:-}" ] && [ "${BASH_SOURCE[0]}" = "$0" ]; then
    echo "setup: this shell's node is older than 22: the npm scripts use the Node 24 in ~/.cache/node24 by themselves; for rekindle commands of your own, first run: $REKINDLE_NODE_PATH_HINT"
  fi
}

rekindle_setup_elsewhere() {
  cat >&2 <<EOF
setup: this is not Debian or Ubuntu with root or sudo, so nothing was installed.
Missing here (as Debian names them): $*
rekindle needs Node.js 24 (22.12 or newer), PostgreSQL and Redis answering on 127.0.0.1:5432
and 127.0.0.1:6379 (a PostgreSQL user "postgres" without a password); its browser tests
drive Chromium at /usr/bin/chromium and its IMAP test starts /usr/sbin/dovecot.
  macOS with Homebrew:
    brew install node@24 postgresql@17 redis
    brew services start postgresql@17 && brew services start redis
    createuser -s postgres
  Then: npm ci && npm test (the browser and IMAP tests need the Debian paths above).
To try rekindle without installing anything, see the README's Docker section (docker compose).
EOF
}

# Run as a script it stops at the first failure; sourced (.ci/run), the caller's options apply.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then set -euo pipefail; fi
rekindle_setup "$@"
