#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (never `playwright install`). Install it where missing and possible.
set -euo pipefail
chromium=${1:-/usr/bin/chromium}
if [ -x "$chromium" ]; then exit 0; fi
bash "$(dirname "$0")/ensure-apt.sh" chromium fonts-dejavu-core fonts-liberation
if [ ! -x "$chromium" ]; then
  echo "!!! WARNING: no Chromium at $chromium and it could not be installed: browser tests will be SKIPPED. !!!" >&2
fi
