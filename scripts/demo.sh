#!/usr/bin/env bash
# Builds the crm-access package, then serves the in-browser demo.
#   bash scripts/demo.sh [port]      (default 8080, or $PORT; 0 picks a free port)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
echo "[demo] open the address below in a browser (Ctrl-C stops the server)"
exec node www/serve.mjs "${1:-${PORT:-8080}}"
