#!/usr/bin/env bash
# Packs the hub agent for a Raspberry Pi: the esbuild bundles from `npm run build`, a
# package.json naming only the native packages left outside them, the systemd unit and an
# example configuration. Output: hearth-hub-<version>.tar.gz in the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/hearth-agent.mjs ] && [ -f dist/hearth.mjs ] || { echo "run 'npm run build' first" >&2; exit 1; }

version=$(node -p "require('./hub-agent/package.json').version")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dir="$stage/hearth-hub-$version"
mkdir -p "$dir/dist" "$dir/bin" "$dir/systemd"
cp dist/hearth-agent.mjs* dist/hearth.mjs* "$dir/dist/"
cp systemd/hearth-agent.service "$dir/systemd/"
cp README.md .npmrc "$dir/"
node --input-type=module -e "
  import { readFileSync, writeFileSync } from 'node:fs';
  const hub = JSON.parse(readFileSync('hub-agent/package.json', 'utf8'));
  const root = JSON.parse(readFileSync('package.json', 'utf8'));
  const native = ['better-sqlite3', 'onoff', 'serialport', 'onnxruntime-node', 'pino'];
  const dependencies = Object.fromEntries(native.filter((n) => hub.dependencies?.[n]).map((n) => [n, hub.dependencies[n]]));
  writeFileSync('$dir/package.json', JSON.stringify({
    name: 'hearth-hub', version: hub.version, private: true, type: 'module',
    engines: root.engines, dependencies, allowScripts: root.allowScripts,
  }, null, 2) + '\n');
  writeFileSync('$dir/agent.example.json', JSON.stringify({ logLevel: 'info', detectTickMs: 60000 }, null, 2) + '\n');
"
cat > "$dir/bin/hearth" <<'SH'
#!/bin/sh
exec /usr/bin/node /opt/hearth/dist/hearth.mjs "$@"
SH
chmod +x "$dir/bin/hearth"
tar -czf "hearth-hub-$version.tar.gz" -C "$stage" "hearth-hub-$version"
echo "hearth-hub-$version.tar.gz"
