#!/usr/bin/env bash
# Installs the Debian packages the test suite drives besides the servers the machine already
# runs (PostgreSQL, MariaDB, Redis): memcached (the tests start their own on a free port) and
# headless Chromium (the dashboard's browser tests). Idempotent and quick when all is present;
# run by .ci/run and before `npm test`. Without root or apt-get it says what is missing and the
# tests that need it fail with a message naming the package.
set -u

need=()
command -v memcached >/dev/null 2>&1 || [ -x /usr/bin/memcached ] || need+=(memcached)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
command -v mysql >/dev/null 2>&1 || need+=(mariadb-client)

[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
  exit 0
fi

echo "system-deps: missing ${need[*]}; installing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || echo "system-deps: apt-get update failed; trying the cached lists" >&2
# The whole list, named here: apt-get leaves what is already installed as it is.
if ! apt-get install -y -qq --no-install-recommends memcached chromium redis-tools postgresql-client mariadb-client >/dev/null; then
  echo "system-deps: could not install ${need[*]}" >&2
  exit 1
fi
# Debian starts memcached as a service where it can; the tests run their own instances.
service memcached stop >/dev/null 2>&1 || true
exit 0
