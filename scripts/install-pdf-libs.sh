#!/usr/bin/env bash
# The system libraries WeasyPrint (PDF reports, core/printing.py) loads: Pango for text
# layout, and HarfBuzz's subsetter, which embeds only the glyphs a PDF uses (without it
# WeasyPrint falls back to fontTools and takes seconds per CJK page). Never fails the setup:
# without Pango only `--format pdf` is unavailable, and says so.
set -u
missing=()
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || missing+=("$lib")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing PDF libraries for reports (pango, harfbuzz-subset)"
  pkgs="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && \
         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null 2>&1; }) \
    || echo "could not install ${missing[*]}: PDF reports may be slow or unavailable"
else
  echo "missing ${missing[*]} and no root/apt-get: PDF reports may be slow or unavailable"
fi
exit 0
