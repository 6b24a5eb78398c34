#!/bin/sh
# vendor.sh fetches the front end's third-party libraries from the npm registry
# at pinned versions, checks each tarball against its pinned integrity, and
# copies the one file the pages load, with its licence, under
# web-widget/static/vendor/. The pages have no build step: what this writes is
# committed and embedded as is. Run it from anywhere: scripts/vendor.sh
#
# Apache ECharts draws the admin dashboard's charts: it is kept up by the Apache
# Software Foundation, ships a Chinese locale, and draws on a canvas without
# eval or inline style elements, so it runs under the pages' strict CSP.
set -eu

ECHARTS_VERSION=6.1.0

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/web-widget/static/vendor/echarts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "echarts@$ECHARTS_VERSION" >/dev/null
tarball="echarts-$ECHARTS_VERSION.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
want=$(cat "$root/scripts/vendor.lock" 2>/dev/null | sed -n "s/^echarts@$ECHARTS_VERSION //p")
if [ -n "$want" ] && [ "$got" != "$want" ]; then
	echo "vendor.sh: echarts@$ECHARTS_VERSION integrity $got, pinned $want" >&2
	exit 1
fi
tar -xzf "$tarball"
rm -rf "$dest"
mkdir -p "$dest"
# The ES module build, renamed .js so that the static server types it as a script.
cp package/dist/echarts.esm.min.mjs "$dest/echarts.esm.min.js"
cp package/LICENSE "$dest/LICENSE"
[ -f package/NOTICE ] && cp package/NOTICE "$dest/NOTICE"
printf 'echarts %s from the npm registry (%s), by scripts/vendor.sh\n' "$ECHARTS_VERSION" "$got" > "$dest/VERSION"
if [ -z "$want" ]; then
	printf 'echarts@%s %s\n' "$ECHARTS_VERSION" "$got" >> "$root/scripts/vendor.lock"
fi
echo "vendored echarts $ECHARTS_VERSION into $dest"
