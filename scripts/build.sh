#!/usr/bin/env bash
# Builds pkg/, the npm package crm-access. Nothing generated is edited:
# Two builds of the crate (see Cargo.toml's features): "core" (decisions only,
# the browser entry's, under the 200 KB budget) and "full" (also apply, impact,
# whoCan, explain, sliceFor and plan: the Node entries' and crm-access/full's).
#   pkg/crm_access.js + crm_access_bg.wasm             wasm-bindgen's web glue (ES module, explicit init), core build
#   pkg/crm_access_full.js + crm_access_full_bg.wasm   the same for the full build
#   pkg/crm_access.node.cjs                            wasm-bindgen's nodejs glue (CommonJS) of the full build, renamed
#                                                      only; it loads the same crm_access_full_bg.wasm
#   pkg/engine.js, pkg/engine.cjs            the JS layer (js/engine.js) and a generated CommonJS wrapper of it
#   pkg/index.js                             browser entry: initialises the web glue, exports Engine
#   pkg/node/index.cjs, node/index.mjs       Node entries (require and import share one instance)
#   pkg/react.js, react.d.ts                 crm-access/react (js/react.js): React bindings, React an optional peer
# Both glues get `__wbg_reset_state` (--experimental-reset-state-function): the
# JS layer uses it to start a fresh instance after a trap (see SECURITY.md).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${SKIP_SETUP:-0}" = 1 ] || SKIP_BROWSER=1 bash scripts/setup.sh   # SKIP_SETUP=1: tools already on PATH
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"   # binaryen's wasm-opt first
WASM=target/wasm32-unknown-unknown/release/crm_access.wasm
OPT=(-O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals)

rm -rf pkg && mkdir -p pkg
echo "[build] cargo (wasm32, release): the full build"
cargo build --quiet --release --target wasm32-unknown-unknown --features wasm
echo "[build] wasm-bindgen (full build: web and nodejs targets)"
wasm-bindgen "$WASM" --target web --experimental-reset-state-function --out-dir pkg --out-name crm_access_full
tmp=$(mktemp -d)
wasm-bindgen "$WASM" --target nodejs --experimental-reset-state-function --out-dir "$tmp" --out-name crm_access_full
if ! cmp -s "$tmp/crm_access_full_bg.wasm" pkg/crm_access_full_bg.wasm; then echo "web and nodejs builds produced different .wasm files" >&2; exit 1; fi
mv "$tmp/crm_access_full.js" pkg/crm_access.node.cjs
rm -rf "$tmp"
echo "[build] cargo (wasm32, release): the core build"
cargo build --quiet --release --target wasm32-unknown-unknown --no-default-features --features wasm
echo "[build] wasm-bindgen (core build: web target)"
wasm-bindgen "$WASM" --target web --experimental-reset-state-function --out-dir pkg --out-name crm_access
echo "[build] wasm-opt"
wasm-opt "${OPT[@]}" pkg/crm_access_bg.wasm -o pkg/crm_access_bg.wasm
wasm-opt "${OPT[@]}" pkg/crm_access_full_bg.wasm -o pkg/crm_access_full_bg.wasm

node scripts/finish-pkg.mjs
echo "[build] pkg/ ready: core $(gzip -9c pkg/crm_access_bg.wasm | wc -c), full $(gzip -9c pkg/crm_access_full_bg.wasm | wc -c) bytes of gzipped wasm"
