#!/usr/bin/env bash
# Installs what the test-suite needs on a fresh Debian 12 machine (Chromium, PostgreSQL, tmux,
# poppler, pango), installs solemap with its test extras, starts PostgreSQL on 127.0.0.1 and runs
# every check: ruff, the import-layer contracts and the whole pytest suite (browser and PostgreSQL
# tests included). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || missing+=(libpango-1.0-0)
dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || missing+=(libpangoft2-1.0-0)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing+=(fonts-dejavu-core)
dpkg -s libcairo2 >/dev/null 2>&1 || missing+=(libcairo2)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python -m pip install -q --disable-pip-version-check -e '.[dev]'

# PostgreSQL 15 (Debian's cluster) on 127.0.0.1:5432 with a throw-away role and database.
$SUDO pg_ctlcluster 15 main start 2>/dev/null || true
for _ in $(seq 1 30); do
    $SUDO su postgres -c "pg_isready -q -h 127.0.0.1 -p 5432" && break
    sleep 1
done
$SUDO su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='solemap'\"" | grep -q 1 \
    || $SUDO su postgres -c "psql -qc \"CREATE ROLE solemap LOGIN CREATEDB PASSWORD 'solemap'\""
$SUDO su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='solemap_test'\"" | grep -q 1 \
    || $SUDO su postgres -c "psql -qc \"CREATE DATABASE solemap_test OWNER solemap\""
export SOLEMAP_TEST_POSTGRES_URL="postgresql+psycopg://solemap:solemap@127.0.0.1:5432/solemap_test"
export SOLEMAP_REQUIRE_ALL_TESTS=1

ruff check src tests benchmarks
lint-imports
python -m pytest "$@"
