#!/usr/bin/env bash
# Installs (or upgrades) the Hearth hub agent on a Raspberry Pi 4/5 running a 64-bit OS.
# Usage: sudo scripts/install-hub.sh hearth-hub-<version>.tar.gz
# Then pair it: sudo -u hearth hearth pair --cloud https://cloud.example --code ABCD-1234
set -euo pipefail

bundle=${1:?usage: install-hub.sh <hearth-hub bundle .tar.gz>}
[ "$(id -u)" -eq 0 ] || { echo "install-hub.sh: run it as root (sudo)" >&2; exit 1; }
case "$(uname -m)" in
  aarch64|x86_64) ;;
  *) echo "install-hub.sh: a 64-bit OS is required (found $(uname -m)); reinstall Raspberry Pi OS 64-bit" >&2; exit 1 ;;
esac
command -v node >/dev/null || { echo "install-hub.sh: Node.js 20 or newer is required: apt-get install nodejs" >&2; exit 1; }

getent group gpio >/dev/null || groupadd --system gpio
id hearth >/dev/null 2>&1 || useradd --system --home /var/lib/hearth --shell /usr/sbin/nologin \
  --groups gpio,dialout hearth

install -d -o root -g root -m 0755 /opt/hearth
tar -xzf "$bundle" -C /opt/hearth --strip-components=1
(cd /opt/hearth && npm install --omit=dev --no-audit --no-fund)

install -d -o root -g hearth -m 0750 /etc/hearth
[ -f /etc/hearth/agent.json ] || install -o root -g hearth -m 0640 /opt/hearth/agent.example.json /etc/hearth/agent.json
install -d -o hearth -g hearth -m 0750 /var/lib/hearth

ln -sf /opt/hearth/bin/hearth /usr/local/bin/hearth
install -m 0644 /opt/hearth/systemd/hearth-agent.service /etc/systemd/system/hearth-agent.service
systemctl daemon-reload
systemctl enable --now hearth-agent.service
echo "Hearth agent installed. Next: sudo -u hearth hearth pair --cloud <url> --code <code>; then hearth diagnose"
