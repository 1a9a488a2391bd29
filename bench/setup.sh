#!/usr/bin/env bash
# Installs the Debian load tools the bench prefers (iperf3, wrk, nginx-light). Idempotent: a
# tool already on PATH is skipped, and apt-get update runs at most once per call. Never fails
# the bench: a tool that cannot be installed is reported and the bench falls back to its own
# Node load client.
set -u

need=()
command -v iperf3 >/dev/null 2>&1 || need+=(iperf3)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
# nginx-light installs /usr/sbin/nginx, which is not on every user's PATH.
{ command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || need+=(nginx-light)

if [ ${#need[@]} -eq 0 ]; then
  echo "setup: iperf3, wrk and nginx already present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: cannot install ${need[*]} (needs root and apt-get); the bench uses its Node fallbacks"
  exit 0
fi

echo "setup: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq >/dev/null 2>&1; then
  echo "setup: apt-get update failed; trying to install from the cached lists"
fi
for pkg in "${need[@]}"; do
  # The iperf3 package asks whether to start a system daemon; the bench starts its own.
  if [ "$pkg" = iperf3 ]; then
    echo "iperf3 iperf3/start_daemon boolean false" | debconf-set-selections 2>/dev/null || true
  fi
  if apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1; then
    echo "setup: installed $pkg"
  else
    echo "setup: could not install $pkg; the bench uses its Node fallback for it"
  fi
done

# Debian starts nginx as a service on install; the bench runs its own instance on its own port,
# so stop the system one to keep port 80 and the CPU free.
if [[ " ${need[*]} " == *" nginx-light "* ]]; then
  systemctl stop nginx >/dev/null 2>&1 || service nginx stop >/dev/null 2>&1 || true
fi
exit 0
