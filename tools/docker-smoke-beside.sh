#!/usr/bin/env bash
# Shows that tools/docker-smoke.sh leaves a running Dojo alone: starts a "deployment" from this checkout (its own
# project, image tag dojo:latest, ports 5080/5081), hands it a job, runs the smoke test beside it, then checks that
# the deployment still answers, still has its volume and its job, and only then takes the deployment down.
#   ../shared/tools/docker-local.sh up   # once, on the development machines here
#   tools/docker-smoke-beside.sh
set -euo pipefail
cd "$(dirname "$0")/.."
deployment=(docker-compose -p dojo-deployed -f docker-compose.yml -f docker-compose.host.yml)
export DOJO_BOOTSTRAP_TOKEN="dojo_deployed-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
auth=(-H "Authorization: Bearer $DOJO_BOOTSTRAP_TOKEN")
api=http://127.0.0.1:5080
docker build --network host -t dojo:latest .
"${deployment[@]}" up -d
trap '"${deployment[@]}" down -v' EXIT
for _ in $(seq 1 120); do curl -sf "$api/health/ready" >/dev/null && break; sleep 1; done
job=$(curl -sf "${auth[@]}" -X POST "$api/api/jobs" -H 'content-type: application/json' --data @samples/xor.json | sed -E 's/.*"id":"([^"]+)".*/\1/')
echo "deployment: job $job submitted"

(unset DOJO_BOOTSTRAP_TOKEN; tools/docker-smoke.sh)

fail() { echo "FAILED: $1"; exit 1; }
docker volume inspect dojo-deployed_dojo-data >/dev/null || fail "the deployment's volume is gone"
curl -sf "$api/health/ready" >/dev/null || fail "the deployment does not answer"
curl -sf "${auth[@]}" "$api/api/jobs/$job" | grep -q "\"id\":\"$job\"" || fail "the deployment's job $job is gone"
echo "the smoke test left the deployment alone: its volume, its API and its job are still there"
