#!/usr/bin/env bash
# Refresh static/vendor/ from the npm registry at the versions pinned in static/vendor/package.json.
# Dealership networks are often closed, so pages never load a library from a CDN.
set -euo pipefail
cd "$(dirname "$0")/../static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp package.json "$work/"
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts --silent)
m="$work/node_modules"
rm -rf bootstrap htmx echarts
mkdir -p bootstrap/css bootstrap/js htmx echarts
cp "$m/bootstrap/dist/css/bootstrap.min.css" "$m/bootstrap/dist/css/bootstrap.min.css.map" bootstrap/css/
cp "$m/bootstrap/dist/js/bootstrap.bundle.min.js" "$m/bootstrap/dist/js/bootstrap.bundle.min.js.map" bootstrap/js/
cp "$m/bootstrap/LICENSE" bootstrap/
cp "$m/htmx.org/dist/htmx.min.js" htmx/
cp "$m/htmx.org/LICENSE" htmx/
cp "$m/echarts/dist/echarts.min.js" echarts/
cp "$m/echarts/LICENSE" echarts/
for lib in bootstrap echarts htmx.org; do
  echo "$lib $(node -p "require('$m/$lib/package.json').version")"
done > VERSIONS
cat VERSIONS
