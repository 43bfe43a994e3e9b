#!/usr/bin/env bash
# Make sure Debian's chromium and chromium-driver are there for the Selenium tests; install them when we can.
set -euo pipefail
# The fonts are those the reference screenshots were rendered with (tests/pages/screenshots/).
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
  && fc-list 2>/dev/null | grep LiberationSans >/dev/null && fc-list 2>/dev/null | grep DejaVuSans >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing chromium and chromium-driver (Debian packages) for the Selenium tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-liberation fonts-dejavu-core >/dev/null
  exit 0
fi
echo "The Selenium tests need Chromium, ChromeDriver and two font packages: sudo apt-get install chromium chromium-driver fonts-liberation fonts-dejavu-core" >&2
exit 1
