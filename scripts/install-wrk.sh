#!/usr/bin/env bash
# Install wrk, the HTTP load generator bench/service_bench.py drives; never fails the setup.
# Without it the benchmark falls back to a Python client (and says so in its results).
set -u
command -v wrk >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing wrk (HTTP load generator) for the service benchmark"
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && \
         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; }) \
    || echo "could not install wrk; the service benchmark will use its Python client"
else
  echo "no wrk and no root/apt-get: the service benchmark will use its Python client"
fi
exit 0
