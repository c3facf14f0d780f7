#!/usr/bin/env bash
# Builds pkg/, the npm package crm-access:
#   pkg/crm_access.js + crm_access_bg.wasm   wasm-pack's web build (ES module, explicit init)
#   pkg/index.js                             browser entry: initialises itself, exports Engine
#   pkg/node/                                Node build (CommonJS glue) + node/index.mjs for `import`
set -euo pipefail
cd "$(dirname "$0")/.."
SKIP_BROWSER=1 bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"   # binaryen's wasm-opt first

echo "[build] wasm-pack (web target)"
wasm-pack --quiet build --release --target web --out-dir pkg --out-name crm_access --no-pack -- --features wasm

echo "[build] wasm-bindgen (nodejs target)"
rm -rf pkg/node
wasm-bindgen target/wasm32-unknown-unknown/release/crm_access.wasm --target nodejs --out-dir pkg/node --out-name crm_access
wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  pkg/node/crm_access_bg.wasm -o pkg/node/crm_access_bg.wasm

node scripts/finish-pkg.mjs
echo "[build] pkg/ ready: $(gzip -9c pkg/crm_access_bg.wasm | wc -c) bytes of gzipped wasm"
