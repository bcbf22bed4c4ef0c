#!/usr/bin/env bash
# Rebuilds the shipped sequence data sets (committed) from Debian packages:
#   datasets/series/airline.csv   — AirPassengers (Box & Jenkins), from R's datasets package in r-base-core
#   datasets/series/sunspots.csv  — sunspot.year, from the same package
#   datasets/text/sherlock.txt.gz — The Adventures of Sherlock Holmes (Project Gutenberg #1661), the book's text
#                                   between Gutenberg's START and END lines, LF line ends, from the test data of
#                                   golang-github-bkaradzic-go-lz4-dev
#   tools/datasets/build-sequences.sh      (needs apt-get; the output is byte-identical each time)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download r-base-core golang-github-bkaradzic-go-lz4-dev >/dev/null 2>&1
dpkg-deb -x r-base-core_*.deb r
dpkg-deb -x golang-github-bkaradzic-go-lz4-dev_*.deb lz4
mkdir -p "$root/datasets/series" "$root/datasets/text"

# R reads its own datasets package; only the installed R can, so use it when present, else the extracted one.
rscript="$(command -v Rscript || true)"
if [ -z "$rscript" ]; then
  export R_HOME="$work/r/usr/lib/R"
  rscript="$work/r/usr/lib/R/bin/Rscript"
fi
"$rscript" --vanilla -e 'p <- AirPassengers; cat("month,passengers\n"); cat(sprintf("%d-%02d,%d\n", floor(time(p) + 1e-9), cycle(p), as.integer(p)), sep="")' \
  > "$root/datasets/series/airline.csv"
"$rscript" --vanilla -e 's <- sunspot.year; cat("year,sunspots\n"); cat(sprintf("%d,%s\n", as.integer(round(time(s))), format(as.numeric(s), trim=TRUE)), sep="")' \
  > "$root/datasets/series/sunspots.csv"

book="$(find lz4 -name pg1661.txt -type f | head -1)"
sed -e '1s/^\xEF\xBB\xBF//' -e 's/\r$//' "$book" \
  | awk '/^\*\*\* START OF THIS PROJECT GUTENBERG/ { keep = 1; next } /^\*\*\* END OF THIS PROJECT GUTENBERG/ { keep = 0 } keep' \
  | gzip -9 -n > "$root/datasets/text/sherlock.txt.gz"
echo "wrote datasets/series/airline.csv ($(($(wc -l < "$root/datasets/series/airline.csv") - 1)) months), datasets/series/sunspots.csv ($(($(wc -l < "$root/datasets/series/sunspots.csv") - 1)) years), datasets/text/sherlock.txt.gz ($(zcat "$root/datasets/text/sherlock.txt.gz" | wc -c) bytes)"
