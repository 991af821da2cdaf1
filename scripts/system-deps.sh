#!/usr/bin/env bash
# Installs the Debian packages the project needs and a fresh machine lacks:
# Chromium and fonts for the browser tests, WeasyPrint's libraries, libmagic,
# and poppler-utils to read PDFs back in tests. Does nothing when all are present.
set -euo pipefail

packages=(
  chromium
  fonts-liberation2
  libpango-1.0-0
  libpangoft2-1.0-0
  libharfbuzz-subset0
  libmagic1
  shared-mime-info
  poppler-utils
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo_cmd=()
elif command -v sudo >/dev/null 2>&1; then
  sudo_cmd=(sudo)
else
  echo "Please install these packages (as root): apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
