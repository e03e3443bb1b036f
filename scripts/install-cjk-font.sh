#!/usr/bin/env bash
# Install a CJK font so charts can show Chinese labels; never fails the setup.
# Charts fall back to English labels when no CJK font is found (core/fonts.py).
set -u
if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing a CJK font (fonts-wqy-microhei) for chart labels"
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && \
         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1; }) \
    || echo "could not install a CJK font; charts will use English labels"
else
  echo "no CJK font and no root/apt-get: charts will use English labels"
fi
exit 0
