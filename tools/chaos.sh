#!/usr/bin/env bash
# Chaos on one PostgreSQL (issue 16): two API processes and three workers with data directories of their own, 200 jobs
# sent to either API while a random worker is SIGKILLed and restarted every 1.5-3 s (100 kills) and an API is restarted
# every 20 kills. Prints the report line (kills, jobs submitted and ended, lost, gaps, repeats, results differing from an
# uninterrupted run) and fails if any job was lost or any figure differs. Needs the local PostgreSQL that .ci/run starts
# (or DOJO_TEST_POSTGRES). The default test suite runs the same test shortened (8 jobs, 4 kills).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/Dojo.Api.Tests -v q -nologo
DOJO_CHAOS=1 dotnet test tests/Dojo.Api.Tests --no-build --filter "FullyQualifiedName~ChaosTests" --logger "console;verbosity=detailed" \
  | grep -E "chaos:|Passed!|Failed!|Error Message" -A6 || true
cat tests/Dojo.Api.Tests/bin/Debug/net10.0/linux-x64/artifacts/chaos.txt 2>/dev/null; echo
