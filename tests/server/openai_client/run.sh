#!/usr/bin/env bash
# Installs the openai npm package into the build directory, starts `coreinfer serve` on a free
# loopback port, runs the node:test file against it and stops the server.
# Usage: run.sh COREINFER_BINARY SOURCE_DIR BUILD_DIR MODEL
set -euo pipefail
bin=$1 src=$2 work=$3 model=$4
mkdir -p "$work"
cp "$src/package.json" "$src/openai_client.test.mjs" "$work/"
cd "$work"
if [ ! -d node_modules/openai ] || ! cmp -s package.json .installed-package.json; then
  npm install --no-audit --no-fund --loglevel=error
  cp package.json .installed-package.json
fi
out=$(mktemp) err=$(mktemp)
"$bin" serve --port 0 --model "stories=$model" --api-key test-key >"$out" 2>"$err" &
pid=$!
cleanup() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out" "$err"; }
trap cleanup EXIT
url=""
for _ in $(seq 1 300); do
  url=$(grep -o 'http://[0-9.]*:[0-9]*' "$out" || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the server did not start:"; cat "$err"; exit 1; }
node -e '
const url = process.argv[1] + "/v2/health/ready";
const until = Date.now() + 60000;
(async () => {
  while (Date.now() < until) {
    try { if ((await fetch(url)).status === 200) return; } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error("the server did not become ready"); process.exit(1);
})();' "$url"
COREINFER_URL="$url" node --test openai_client.test.mjs
