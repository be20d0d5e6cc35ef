#!/usr/bin/env bash
# Installs, upgrades or removes the Hearth hub agent from an offline bundle
# (hearth-hub-<version>-linux-<arch>.tar.gz, made by scripts/build-hub-bundle). Nothing is
# downloaded or compiled: the bundle carries its own Node runtime and native addons.
#
#   sudo ./install-hub.sh hearth-hub-<version>-linux-arm64.tar.gz     install, or upgrade
#   sudo ./install-hub.sh --uninstall [--purge]                        remove (--purge: data too)
#   options: --root DIR   install into DIR as a tree (tests); no users, ownership or systemctl
#            --restart-command CMD   how to restart the agent (default: systemctl restart hearth-agent)
#            --manifest FILE   the bundle's signed manifest (default: BUNDLE.release.json beside it)
#            --pubkey FILE     the release key to trust, on a first install (default: the bundle's own)
#            --upgrade         refuse to do anything but upgrade an installed hub
#            --spool DIR       install the release the agent verified and left in DIR (hearth-update.service)
#
# Signatures: a hub trusts one Ed25519 release key, kept in /etc/hearth/release-key.pem from its
# first install (--pubkey, else the key the first bundle carries). Once it trusts one, every bundle
# must come with its signed manifest; a bundle whose sha256 or signature does not match is refused
# before anything is touched (exit 4). The check needs openssl (Debian's openssl package).
#
# Layout: /opt/hearth/releases/<version>, /opt/hearth/current -> releases/<version> (the unit
# runs current/), /opt/hearth/previous -> the release before; /etc/hearth (configuration),
# /var/lib/hearth (outbox, credentials, models), /usr/local/bin/hearth.
#
# An upgrade switches `current` and restarts the agent, then runs the new release's
# `hearth health` until it passes or HEALTH_GATE_SECONDS (default 120; set it in
# /etc/hearth/install.env or the environment) run out; then it switches back by itself, restarts
# the old release and records why in /var/lib/hearth/release-state.json, which the agent reports to
# the cloud. Exit codes: 0 done, 1 failed (nothing changed), 2 usage, 3 upgrade rolled back,
# 4 bundle refused (bad signature or sha256; nothing changed).
set -euo pipefail

usage() {
  echo "usage: install-hub.sh [--root DIR] [--restart-command CMD] [--manifest FILE] [--pubkey FILE] [--upgrade] BUNDLE.tar.gz" >&2
  echo "       install-hub.sh [--root DIR] [--restart-command CMD] --spool DIR" >&2
  echo "       install-hub.sh [--root DIR] --uninstall [--purge]" >&2
  exit 2
}

root="" bundle="" uninstall=0 purge=0 restart_command="" manifest="" pubkey="" upgrade_only=0 spool=""
attempted="unknown"
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || usage; root=$(realpath -m "$2"); shift 2 ;;
    --restart-command) [ $# -ge 2 ] || usage; restart_command=$2; shift 2 ;;
    --manifest) [ $# -ge 2 ] || usage; manifest=$2; shift 2 ;;
    --pubkey) [ $# -ge 2 ] || usage; pubkey=$2; shift 2 ;;
    --upgrade) upgrade_only=1; shift ;;
    --spool) [ $# -ge 2 ] || usage; spool=$2; upgrade_only=1; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h|--help) usage ;;
    -*) echo "install-hub.sh: unknown option '$1'" >&2; usage ;;
    *) [ -z "$bundle" ] || usage; bundle=$1; shift ;;
  esac
done

opt="$root/opt/hearth" etc="$root/etc/hearth" data="$root/var/lib/hearth"
units="$root/etc/systemd/system" cli_link="$root/usr/local/bin/hearth"
trusted_key="$etc/release-key.pem"
# In a test tree there is no system to change: no users, no ownership, no systemctl.
system() { [ -z "$root" ]; }

current_version() { basename "$(readlink "$opt/current" 2>/dev/null || echo none)"; }
# Records the outcome for the agent to report to the cloud when it next reaches it.
record() { # result attempted reason
  [ -d "$data" ] || return 0
  local reason=${3//[\"\\]/\'}
  reason=${reason//$'\n'/ }
  printf '{"result":"%s","version":"%s","attempted":"%s","reason":"%s","at":"%s"}\n' \
    "$1" "$(current_version)" "$2" "$reason" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$data/release-state.json.tmp"
  mv "$data/release-state.json.tmp" "$data/release-state.json"
}
# An upgrade the agent asked for records why it did not happen; by hand, the message is enough.
fail() {
  echo "install-hub.sh: $*" >&2
  [ "$upgrade_only" -eq 0 ] || record failed "$attempted" "$*"
  exit 1
}
refuse() {
  echo "install-hub.sh: refused: $*" >&2
  [ "$upgrade_only" -eq 0 ] || record rejected "$attempted" "$*"
  exit 4
}

[ -n "$root" ] || [ "$(id -u)" -eq 0 ] || fail "run it as root (sudo), or pass --root DIR"

if [ "$uninstall" -eq 1 ]; then
  [ -z "$bundle" ] && [ -z "$spool" ] || usage
  if system; then
    systemctl disable --now hearth-update.path hearth-agent.service 2>/dev/null || true
  fi
  rm -f "$units/hearth-agent.service" "$units/hearth-update.path" "$units/hearth-update.service" "$cli_link"
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

work=$(mktemp -d)
incoming=""
trap 'rm -rf "$work" ${incoming:+"$incoming"}' EXIT

# The agent's hand-off: copy the bundle and its manifest out of the directory the (unprivileged)
# agent can write, and take the request away at once so the path unit does not fire again.
if [ -n "$spool" ]; then
  [ -z "$bundle" ] && [ -z "$manifest" ] || usage
  request="$spool/install.request"
  if [ ! -f "$request" ]; then echo "Nothing waits in $spool."; exit 0; fi
  name=$(head -c 200 "$request" | head -n 1)
  rm -f "$request"
  [[ "$name" =~ ^hearth-hub-([0-9A-Za-z.+-]+)-linux-(arm64|x64)\.tar\.gz$ ]] \
    || fail "the request in $spool names no hub bundle"
  attempted=${BASH_REMATCH[1]}
  for file in "$name" "$name.release.json"; do
    # -P: a link put there in the meantime is copied as a link, and refused.
    cp -P -- "$spool/$file" "$work/$file" 2>/dev/null || true
    [ -f "$work/$file" ] && [ ! -L "$work/$file" ] || fail "$spool/$file is missing or not a plain file"
  done
  rm -rf -- "${spool:?}"/*
  bundle="$work/$name" manifest="$work/$name.release.json"
fi

[ -n "$bundle" ] || usage
[ -f "$bundle" ] || fail "no bundle at '$bundle'"
[ -n "$manifest" ] || manifest="$bundle.release.json"
if [ "$upgrade_only" -eq 1 ] && [ "$(current_version)" = "none" ]; then
  fail "--upgrade: no hub is installed in ${root:-/}"
fi

# A field of the manifest, written by build-hub-bundle --sign or by the agent (JSON, one object).
mfield() { grep -o "\"$1\": *\"[^\"]*\"" "$manifest" | head -n 1 | sed 's/.*: *"\(.*\)"/\1/'; }

# Checks the bundle against its manifest and the manifest against the key, before anything else.
verify() { # key
  local key=$1 version arch sha256 signature actual
  [ -f "$manifest" ] || refuse "no signed manifest for '$bundle' (expected $manifest); this hub trusts release key $key"
  version=$(mfield version) arch=$(mfield arch) sha256=$(mfield sha256) signature=$(mfield signature)
  [[ "$version" =~ ^[0-9A-Za-z.+-]{1,64}$ ]] || refuse "the manifest $manifest has no usable version"
  attempted=$version
  [[ "$arch" =~ ^(arm64|x64)$ ]] || refuse "the manifest $manifest has no usable arch"
  [[ "$sha256" =~ ^[0-9a-f]{64}$ ]] || refuse "the manifest $manifest has no usable sha256"
  [[ "$signature" =~ ^[A-Za-z0-9+/]{86}==$ ]] || refuse "the manifest $manifest has no usable signature"
  command -v openssl >/dev/null || fail "openssl is needed to check the bundle's signature (apt install openssl)"
  actual=$(sha256sum "$bundle" | cut -d ' ' -f 1)
  [ "$actual" = "$sha256" ] || refuse "release $version: the bundle's sha256 is $actual, its manifest says $sha256"
  printf 'hearth-release/1\n%s\n%s\n%s\n' "$version" "$arch" "$sha256" > "$work/statement"
  printf '%s' "$signature" | base64 -d > "$work/signature"
  openssl pkeyutl -verify -pubin -inkey "$key" -rawin -in "$work/statement" -sigfile "$work/signature" \
    >/dev/null 2>&1 || refuse "release $version: its signature does not match the release key this hub trusts ($key)"
  echo "Release $version ($arch) is signed with the release key this hub trusts."
}

# Which key to check with: the one the hub already trusts; else --pubkey; else (first install,
# trust on first use) the key the bundle carries, the public half of the key that signed it.
key=""
if [ -f "$trusted_key" ]; then
  if [ -n "$pubkey" ] && ! cmp -s "$pubkey" "$trusted_key"; then
    fail "this hub already trusts the release key in $trusted_key; --pubkey cannot replace it"
  fi
  key=$trusted_key
elif [ -n "$pubkey" ]; then
  [ -f "$pubkey" ] || fail "no public key at '$pubkey'"
  key=$pubkey
fi
if [ -n "$key" ]; then
  verify "$key"
elif [ "$upgrade_only" -eq 1 ]; then
  # Never trust on first use here: the agent's hand-off directory is not the technician's USB stick.
  refuse "this hub trusts no release key ($trusted_key is missing)"
elif tar -xzf "$bundle" -C "$work" --wildcards --no-anchored 'release-key.pem' 2>/dev/null \
  && bundled_key=$(find "$work" -name release-key.pem | head -n 1) && [ -n "$bundled_key" ]; then
  key=$bundled_key
  [ ! -f "$manifest" ] || verify "$key"
else
  echo "install-hub.sh: warning: '$bundle' is not signed; this hub will refuse over-the-air releases." >&2
fi

# Unpack beside the releases, then move into place: a cut power never leaves half a release.
mkdir -p "$opt/releases"
incoming=$(mktemp -d "$opt/releases/.incoming-XXXXXX")
tar -xzf "$bundle" -C "$incoming" --no-same-owner || fail "'$bundle' is not a readable hub bundle"
tree=$(find "$incoming" -mindepth 1 -maxdepth 1 -type d -name 'hearth-hub-*' | head -n 1)
[ -n "$tree" ] && [ -f "$tree/release.json" ] || fail "'$bundle' holds no hearth-hub release"
field() { sed -n "s/^  \"$1\": \"\(.*\)\",\{0,1\}$/\1/p" "$tree/release.json" | head -n 1; }
version=$(field version) arch=$(field arch)
[[ "$version" =~ ^[0-9A-Za-z._+-]+$ ]] || fail "the bundle's release.json has no usable version"
attempted=$version
if [ -f "$manifest" ] && [ -n "$key" ] && [ "$(mfield version)" != "$version" ]; then
  refuse "the manifest is for release $(mfield version) but the bundle holds $version"
fi
case "$(uname -m)" in aarch64) machine=arm64 ;; x86_64) machine=x64 ;; *) machine=$(uname -m) ;; esac
[ "$arch" = "$machine" ] || fail "this bundle is for $arch but this machine is $machine; use hearth-hub-$version-linux-$machine.tar.gz"

if system; then
  for group in gpio dialout video; do getent group "$group" >/dev/null || groupadd --system "$group"; done
  id hearth >/dev/null 2>&1 || useradd --system --home-dir /var/lib/hearth --no-create-home \
    --shell /usr/sbin/nologin hearth
  for group in gpio dialout video; do
    id -nG hearth | tr ' ' '\n' | grep -qx "$group" || usermod -a -G "$group" hearth
  done
fi

release="$opt/releases/$version"
if [ -d "$release" ]; then
  echo "Release $version is already unpacked; keeping it."
else
  mv "$tree" "$release"
fi

install -d -m 0750 "$etc"
[ -f "$etc/agent.json" ] || install -m 0640 "$release/agent.example.json" "$etc/agent.json"
if [ -n "$key" ] && [ ! -f "$trusted_key" ]; then
  install -m 0644 "$key" "$trusted_key"
  echo "This hub now trusts the release key in $trusted_key for over-the-air releases."
fi
install -d -m 0750 "$data"
if system; then
  chown root:hearth "$etc" "$etc/agent.json"
  chown hearth:hearth "$data"
fi
# The units of a release; on a switch back, the previous release's again.
install_units() { # release dir
  install -d "$units"
  local unit
  for unit in hearth-agent.service hearth-update.path hearth-update.service; do
    [ ! -f "$1/systemd/$unit" ] || install -m 0644 "$1/systemd/$unit" "$units/$unit"
  done
}
install_units "$release"
install -d "$(dirname "$cli_link")"
ln -sfn ../../../opt/hearth/current/bin/hearth "$cli_link"

# shellcheck disable=SC1091
[ -f "$etc/install.env" ] && . "$etc/install.env"
gate_seconds=${HEALTH_GATE_SECONDS:-120}

switch_to() { ln -sfn "releases/$1" "$opt/current.new" && mv -T "$opt/current.new" "$opt/current"; }
restart() {
  if [ -n "$restart_command" ]; then sh -c "$restart_command"
  elif system; then systemctl daemon-reload && systemctl restart hearth-agent.service
  else return 1
  fi
}
as_agent_user() { if system; then setpriv --reuid=hearth --regid=hearth --init-groups -- "$@"; else "$@"; fi; }

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
  if system; then systemctl daemon-reload && systemctl enable --now hearth-agent.service hearth-update.path
  elif [ -n "$restart_command" ]; then restart
  fi
  record installed "$version" ""
  echo "Hearth $version installed in $opt. Next: pair it (hearth status says how)."
else
  ln -sfn "releases/$previous" "$opt/previous"
  since=$(( $(date +%s) * 1000 ))
  switch_to "$version"
  if system; then systemctl enable hearth-update.path 2>/dev/null || true; fi
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
    install_units "$opt/releases/$previous"
    # Recorded before the restart, so the agent that comes back finds it at once.
    record rolled-back "$version" "$reason"
    restart || true
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
