#!/usr/bin/env bash
# Dojo's benchmark: builds the API and the bench in Release, then runs them on loopback ports 5180/5181.
#   bench/run.sh [rounds] [--lstm-only | --playground | --scale]   (default 5 rounds; figures in README.md come from this command)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release src/Api -v q -nologo
dotnet build -c Release src/Worker -v q -nologo
dotnet build -c Release bench/Dojo.Bench -v q -nologo
dotnet bench/Dojo.Bench/bin/Release/net10.0/linux-x64/Dojo.Bench.dll "$@"
