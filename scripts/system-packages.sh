#!/usr/bin/env bash
# Install the Debian packages the project needs, when missing and when we can (root, apt).
# Silent and quick when they are all there. Another install holding the package manager's lock
# (a second `make` at the same time, unattended upgrades) is waited for, not treated as a failure.
set -euo pipefail
packages=(libgdal32 libharfbuzz-subset0 poppler-utils chromium gettext fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "Missing Debian packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The timeout covers both the dpkg lock (install) and the lists lock (update).
apt=(apt-get -q -y -o DPkg::Lock::Timeout=600)
# Package lists never fetched, or too old to know a package: refresh them first.
for p in "${missing[@]}"; do
  if ! apt-cache show "$p" >/dev/null 2>&1; then
    "${apt[@]}" update >/dev/null
    break
  fi
done
# Lists that know the package but point at files the mirror has replaced: refresh, then retry.
"${apt[@]}" install "${missing[@]}" >/dev/null 2>&1 \
  || { "${apt[@]}" update >/dev/null && "${apt[@]}" install "${missing[@]}" >/dev/null; }
