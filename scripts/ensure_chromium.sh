#!/usr/bin/env bash
# Make sure Debian's chromium and chromium-driver are there for the Selenium tests; install them when we can.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing chromium and chromium-driver (Debian packages) for the Selenium tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  exit 0
fi
echo "The Selenium tests need Chromium and ChromeDriver on PATH: sudo apt-get install chromium chromium-driver" >&2
exit 1
