#!/usr/bin/env bash
# Installs, upgrades or removes the Hearth hub agent from an offline bundle
# (hearth-hub-<version>-linux-<arch>.tar.gz, made by scripts/build-hub-bundle). Nothing is
# downloaded or compiled: the bundle carries its own Node runtime and native addons.
#
#   sudo ./install-hub.sh hearth-hub-<version>-linux-arm64.tar.gz     install, or upgrade
#   sudo ./install-hub.sh --uninstall [--purge]                        remove (--purge: data too)
#   options: --root DIR   install into DIR as a tree (tests); no users, ownership or systemctl
#            --restart-command CMD   how to restart the agent (default: systemctl restart hearth-agent)
#
# Layout: /opt/hearth/releases/<version>, /opt/hearth/current -> releases/<version> (the unit
# runs current/), /opt/hearth/previous -> the release before; /etc/hearth (configuration),
# /var/lib/hearth (outbox, credentials, models), /usr/local/bin/hearth.
#
# An upgrade switches `current` and restarts the agent, then runs the new release's
# `hearth health` until it passes or HEALTH_GATE_SECONDS (default 120; set it in
# /etc/hearth/install.env or the environment) run out; then it switches back by itself, restarts
# the old release and records why in /var/lib/hearth/release-state.json. Exit codes: 0 done,
# 1 failed (nothing changed), 2 usage, 3 upgrade rolled back.
set -euo pipefail

usage() {
  echo "usage: install-hub.sh [--root DIR] [--restart-command CMD] BUNDLE.tar.gz" >&2
  echo "       install-hub.sh [--root DIR] --uninstall [--purge]" >&2
  exit 2
}
fail() { echo "install-hub.sh: $*" >&2; exit 1; }

root="" bundle="" uninstall=0 purge=0 restart_command=""
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || usage; root=$(realpath -m "$2"); shift 2 ;;
    --restart-command) [ $# -ge 2 ] || usage; restart_command=$2; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) usage ;;
    -*) echo "install-hub.sh: unknown option '$1'" >&2; usage ;;
    *) [ -z "$bundle" ] || usage; bundle=$1; shift ;;
  esac
done

opt="$root/opt/hearth" etc="$root/etc/hearth" data="$root/var/lib/hearth"
unit="$root/etc/systemd/system/hearth-agent.service" cli_link="$root/usr/local/bin/hearth"
# In a test tree there is no system to change: no users, no ownership, no systemctl.
system() { [ -z "$root" ]; }
[ -n "$root" ] || [ "$(id -u)" -eq 0 ] || fail "run it as root (sudo), or pass --root DIR"

if [ "$uninstall" -eq 1 ]; then
  [ -z "$bundle" ] || usage
  if system; then
    systemctl disable --now hearth-agent.service 2>/dev/null || true
  fi
  rm -f "$unit" "$cli_link"
  rm -rf "$opt"
  system && systemctl daemon-reload
  if [ "$purge" -eq 1 ]; then
    rm -rf "$etc" "$data"
    if system && id hearth >/dev/null 2>&1; then userdel hearth; fi
    echo "Hearth removed, with its configuration, data and the hearth user."
  else
    echo "Hearth removed. Kept: $etc (configuration) and $data (outbox, credentials); --purge removes them."
  fi
  exit 0
fi

[ -n "$bundle" ] || usage
[ -f "$bundle" ] || fail "no bundle at '$bundle'"

# Unpack beside the releases, then move into place: a cut power never leaves half a release.
mkdir -p "$opt/releases"
incoming=$(mktemp -d "$opt/releases/.incoming-XXXXXX")
trap 'rm -rf "$incoming"' EXIT
tar -xzf "$bundle" -C "$incoming" --no-same-owner || fail "'$bundle' is not a readable hub bundle"
tree=$(find "$incoming" -mindepth 1 -maxdepth 1 -type d -name 'hearth-hub-*' | head -n 1)
[ -n "$tree" ] && [ -f "$tree/release.json" ] || fail "'$bundle' holds no hearth-hub release"
field() { sed -n "s/^  \"$1\": \"\(.*\)\",\{0,1\}$/\1/p" "$tree/release.json" | head -n 1; }
version=$(field version) arch=$(field arch)
[[ "$version" =~ ^[0-9A-Za-z._+-]+$ ]] || fail "the bundle's release.json has no usable version"
case "$(uname -m)" in aarch64) machine=arm64 ;; x86_64) machine=x64 ;; *) machine=$(uname -m) ;; esac
[ "$arch" = "$machine" ] || fail "this bundle is for $arch but this machine is $machine; use hearth-hub-$version-linux-$machine.tar.gz"

if system; then
  for group in gpio dialout video; do getent group "$group" >/dev/null || groupadd --system "$group"; done
  id hearth >/dev/null 2>&1 || useradd --system --home-dir /var/lib/hearth --no-create-home \
    --shell /usr/sbin/nologin hearth
  usermod -a -G gpio,dialout,video hearth
fi

release="$opt/releases/$version"
if [ -d "$release" ]; then
  echo "Release $version is already unpacked; keeping it."
else
  mv "$tree" "$release"
fi

install -d -m 0750 "$etc"
[ -f "$etc/agent.json" ] || install -m 0640 "$release/agent.example.json" "$etc/agent.json"
install -d -m 0750 "$data"
if system; then
  chown root:hearth "$etc" "$etc/agent.json"
  chown hearth:hearth "$data"
fi
install -d "$(dirname "$unit")" "$(dirname "$cli_link")"
install -m 0644 "$release/systemd/hearth-agent.service" "$unit"
ln -sfn ../../../opt/hearth/current/bin/hearth "$cli_link"

# shellcheck disable=SC1091
[ -f "$etc/install.env" ] && . "$etc/install.env"
gate_seconds=${HEALTH_GATE_SECONDS:-120}

# Records the outcome for the agent to report to the cloud when it next reaches it.
record() { # result attempted reason
  local reason=${3//[\"\\]/\'}
  reason=${reason//$'\n'/ }
  printf '{"result":"%s","version":"%s","attempted":"%s","reason":"%s","at":"%s"}\n' \
    "$1" "$(current_version)" "$2" "$reason" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$data/release-state.json.tmp"
  mv "$data/release-state.json.tmp" "$data/release-state.json"
}
current_version() { basename "$(readlink "$opt/current" 2>/dev/null || echo none)"; }
switch_to() { ln -sfn "releases/$1" "$opt/current.new" && mv -T "$opt/current.new" "$opt/current"; }
restart() {
  if [ -n "$restart_command" ]; then sh -c "$restart_command"
  elif system; then systemctl daemon-reload && systemctl restart hearth-agent.service
  else return 1
  fi
}
as_agent_user() { if system; then runuser -u hearth -- "$@"; else "$@"; fi; }

# Waits for the release now current to pass `hearth health`; prints the last verdict on failure.
gate() {
  local since=$1 deadline=$(( $(date +%s) + gate_seconds )) verdict=""
  while :; do
    if verdict=$(as_agent_user "$opt/current/bin/hearth" health --since "$since" --data-dir "$data" 2>&1); then
      return 0
    fi
    [ "$(date +%s)" -lt "$deadline" ] || break
    sleep 1
  done
  echo "${verdict:-no answer from the agent}" | tail -n 1
  return 1
}

previous=$(current_version)
if [ "$previous" = "$version" ]; then
  echo "Hearth $version is already the current release."
elif [ "$previous" = "none" ]; then
  switch_to "$version"
  if system; then systemctl daemon-reload && systemctl enable --now hearth-agent.service
  elif [ -n "$restart_command" ]; then restart
  fi
  record installed "$version" ""
  echo "Hearth $version installed in $opt. Next: pair it (hearth status says how)."
else
  ln -sfn "releases/$previous" "$opt/previous"
  since=$(( $(date +%s) * 1000 ))
  switch_to "$version"
  if ! restart; then
    echo "Switched to $version; restart the agent to run it (no --restart-command in a --root install)."
    record switched "$version" ""
    exit 0
  fi
  echo "Upgraded $previous -> $version; checking health for up to ${gate_seconds}s…"
  if reason=$(gate "$since"); then
    record upgraded "$version" ""
    echo "Hearth $version is healthy."
  else
    switch_to "$previous"
    restart || true
    record rolled-back "$version" "$reason"
    echo "install-hub.sh: $version failed its health gate ($reason); switched back to $previous." >&2
    exit 3
  fi
fi

# Keep the current and previous releases; older ones only take space.
for old in "$opt"/releases/*; do
  name=$(basename "$old")
  [ "$name" = "$(current_version)" ] || [ "$name" = "$(basename "$(readlink "$opt/previous" 2>/dev/null || echo none)")" ] \
    || rm -rf "$old"
done
exit 0
