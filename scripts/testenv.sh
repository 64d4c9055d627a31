#!/usr/bin/env bash
# Starts the test services BotSync's tests use, installing what is missing,
# runs the given command with BOTSYNC_TEST_POSTGRES_URL,
# BOTSYNC_TEST_PGVECTOR_URL and BOTSYNC_TEST_REDIS_URL exported, and stops
# what it started.
#
#   scripts/testenv.sh go test -race -count=1 ./...
#
# PostgreSQL 15 comes from Debian's packages; the pgvector test server is
# PGlite (WASM PostgreSQL with pgvector 0.8) from the npm packages pinned in
# tools/pglite/package-lock.json; Redis (the server's realtime fan-out
# tests) is Debian's redis-server. All listen on loopback only.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PG_PORT="${BOTSYNC_PG_PORT:-54321}"
VEC_PORT="${BOTSYNC_PGVECTOR_PORT:-54329}"
PG_VERSION=15
CLUSTER=botsync_test
REDIS_PORT="${BOTSYNC_REDIS_PORT:-63790}"
REDIS_PIDFILE="${TMPDIR:-/tmp}/botsync-redis.pid"
STARTED_PG=0
STARTED_REDIS=0
VEC_PID=""

log() { echo "testenv: $*" >&2; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

install_postgres() {
	if command -v pg_ctlcluster >/dev/null && [ -x "/usr/lib/postgresql/$PG_VERSION/bin/postgres" ]; then
		return
	fi
	log "installing PostgreSQL $PG_VERSION from Debian's packages"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
}

start_postgres() {
	install_postgres
	if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$PG_VERSION $CLUSTER"; then
		log "creating cluster $PG_VERSION/$CLUSTER on port $PG_PORT"
		as_root pg_createcluster -p "$PG_PORT" "$PG_VERSION" "$CLUSTER" -- --auth-local=trust --auth-host=trust >/dev/null
		# Tests create and drop many schemas; trade durability for speed.
		cat <<CONF | as_root tee "/etc/postgresql/$PG_VERSION/$CLUSTER/conf.d/botsync.conf" >/dev/null
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 256MB
CONF
	fi
	if pg_lsclusters -h | awk -v c="$CLUSTER" '$2==c {print $4}' | grep -q online; then
		log "PostgreSQL $PG_VERSION/$CLUSTER already running"
	else
		as_root pg_ctlcluster "$PG_VERSION" "$CLUSTER" start
		STARTED_PG=1
	fi
	export BOTSYNC_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
	for _ in $(seq 1 60); do
		if pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then return; fi
		sleep 0.5
	done
	log "PostgreSQL did not become ready"; exit 1
}

start_pgvector() {
	if ! command -v npm >/dev/null; then
		log "installing Node.js and npm from Debian's packages"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
	fi
	local dir="$ROOT/tools/pglite"
	if [ ! -x "$dir/node_modules/.bin/pglite-server" ]; then
		log "installing the PGlite packages (npm ci)"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	fi
	export BOTSYNC_TEST_PGVECTOR_URL="postgres://postgres@127.0.0.1:$VEC_PORT/postgres?sslmode=disable&default_query_exec_mode=exec"
	if (exec 3<>"/dev/tcp/127.0.0.1/$VEC_PORT") 2>/dev/null; then
		log "pgvector test server already listening on $VEC_PORT"
		return
	fi
	"$dir/node_modules/.bin/pglite-server" -p "$VEC_PORT" -h 127.0.0.1 \
		-e @electric-sql/pglite-pgvector:vector -m 10 >"${TMPDIR:-/tmp}/botsync-pglite.log" 2>&1 &
	VEC_PID=$!
	for _ in $(seq 1 120); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$VEC_PORT") 2>/dev/null; then return; fi
		if ! kill -0 "$VEC_PID" 2>/dev/null; then
			cat "${TMPDIR:-/tmp}/botsync-pglite.log" >&2; log "pgvector test server exited"; exit 1
		fi
		sleep 0.5
	done
	log "pgvector test server did not start"; exit 1
}

start_redis() {
	export BOTSYNC_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
	if (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null; then
		log "Redis already listening on $REDIS_PORT"
		return
	fi
	if ! command -v redis-server >/dev/null; then
		log "installing Redis from Debian's packages"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
	fi
	log "starting Redis on 127.0.0.1:$REDIS_PORT"
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize yes --pidfile "$REDIS_PIDFILE" >/dev/null
	STARTED_REDIS=1
	for _ in $(seq 1 60); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null; then return; fi
		sleep 0.5
	done
	log "Redis did not start"; exit 1
}

stop_redis() {
	local pid
	pid="$(cat "$REDIS_PIDFILE" 2>/dev/null || true)"
	log "stopping the Redis it started"
	if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
		for _ in $(seq 1 40); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.25
		done
	fi
	rm -f "$REDIS_PIDFILE"
}

# Developers running several suites at once can keep the services up:
# BOTSYNC_KEEP_SERVICES=1, or touch ${TMPDIR:-/tmp}/botsync-keep-services.
stop_all() {
	if [ "${BOTSYNC_KEEP_SERVICES:-}" = 1 ] || [ -e "${TMPDIR:-/tmp}/botsync-keep-services" ]; then
		return
	fi
	if [ -n "$VEC_PID" ]; then kill "$VEC_PID" 2>/dev/null || true; wait "$VEC_PID" 2>/dev/null || true; fi
	if [ "$STARTED_PG" = 1 ]; then as_root pg_ctlcluster "$PG_VERSION" "$CLUSTER" stop || true; fi
	if [ "$STARTED_REDIS" = 1 ]; then stop_redis; fi
}
trap stop_all EXIT

start_postgres
start_pgvector
start_redis
log "PostgreSQL on 127.0.0.1:$PG_PORT, pgvector test server on 127.0.0.1:$VEC_PORT, Redis on 127.0.0.1:$REDIS_PORT"
"$@"
