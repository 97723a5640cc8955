#!/usr/bin/env bash
# Install Debian packages that are missing, when apt is usable (root or passwordless sudo).
# Exits 0 without installing when apt is not usable; callers decide what that means.
set -euo pipefail
missing=()
for p in "$@"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else
  echo "WARNING: cannot install ${missing[*]}: apt needs root or passwordless sudo." >&2
  exit 0
fi
command -v apt-get >/dev/null || { echo "WARNING: no apt-get; cannot install ${missing[*]}." >&2; exit 0; }
echo "Installing ${missing[*]} with apt-get"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
