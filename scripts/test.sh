#!/usr/bin/env bash
# Runs every test of crm-access, installing what is missing first:
#   1. native Rust tests (cargo test: unit, spec, differential, invariants, doc)
#   2. the wasm package in Node (API across the boundary, hostile input, memory, npm pack)
#   3. the TypeScript declarations (tsc --noEmit), also in a browser project without skipLibCheck
#   4. the examples, the benchmark harness in smoke mode
#   5. the demo in headless Chromium (playwright-core)
#   6. every snippet of README.md, against the packed package (tests/readme/)
#   7. the SQL layer (tests/sql/) on PGlite and on a throwaway PostgreSQL server
#      (scripts/pg.sh: started here, stopped on EXIT; CRM_SQL_NO_SERVER=1 skips it)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
step() { printf '\n\033[1;36m== %s ==\033[0m\n' "$*"; }

step "native: cargo test"
cargo test --quiet

step "lints: cargo fmt --check, cargo clippy -D warnings"
cargo fmt --all --check
cargo clippy --quiet --all-targets --all-features -- -D warnings

step "build the package (pkg/)"
bash scripts/build.sh

step "examples"
npm --prefix examples install --offline --no-audit --no-fund --no-package-lock --silent
node examples/run-all.mjs > /dev/null && echo "examples ran"

step "TypeScript declarations"
tsc -p tests/types && echo "types check"
tsc -p tests/types/browser && echo "types check in a browser project (lib DOM + ES2022, no skipLibCheck)"
tsc -p tests/types/react && echo "crm-access/react types check in a React project (JSX, no skipLibCheck)"

step "bench harness dependencies"
if [ ! -d bench/node_modules/@cedar-policy ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  npm --prefix bench ci --no-audit --no-fund --silent
fi

step "Node: the wasm package, the bench smoke run, the demo in Chromium, the README snippets"
node --test --test-concurrency=1 tests/node/ tests/bench-smoke.test.mjs tests/browser/ tests/readme/

step "SQL: toSql on PGlite and PostgreSQL (tests/sql/)"
if [ ! -d tests/sql/node_modules/@electric-sql/pglite ] || [ ! -d tests/sql/node_modules/pg ] || [ tests/sql/package-lock.json -nt tests/sql/node_modules/.package-lock.json ]; then
  npm --prefix tests/sql ci --no-audit --no-fund --silent
fi
if [ "${CRM_SQL_NO_SERVER:-0}" != 1 ]; then
  eval "$(bash scripts/pg.sh start)"
  trap 'bash scripts/pg.sh stop "$PG_DIR"' EXIT
  echo "PostgreSQL at $PG_URL"
fi
node --test --test-concurrency=1 tests/sql/
