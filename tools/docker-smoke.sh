#!/usr/bin/env bash
# Builds the image, starts the API and one worker with docker-compose (host network, as on machines
# without a bridge), submits samples/xor.json, waits for the job to end, prints it, and stops again.
#   ../shared/tools/docker-local.sh up   # once, on the development machines here
#   tools/docker-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."
compose=(docker-compose -f docker-compose.yml -f docker-compose.host.yml)
export DOJO_BOOTSTRAP_TOKEN="dojo_smoke-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
auth=(-H "Authorization: Bearer $DOJO_BOOTSTRAP_TOKEN")
docker build --network host -t dojo:latest .
"${compose[@]}" up -d
trap '"${compose[@]}" down -v' EXIT
for _ in $(seq 1 120); do curl -sf http://127.0.0.1:5080/health/ready >/dev/null && break; sleep 1; done
id=$(curl -sf "${auth[@]}" -X POST http://127.0.0.1:5080/api/jobs -H 'content-type: application/json' --data @samples/xor.json |
  sed -E 's/.*"id":"([^"]+)".*/\1/')
echo "submitted job $id"
for _ in $(seq 1 120); do
  job=$(curl -sf "${auth[@]}" "http://127.0.0.1:5080/api/jobs/$id")
  case "$job" in *'"state":"queued"'*|*'"state":"running"'*) sleep 1 ;; *) break ;; esac
done
echo "$job" | sed -E 's/"spec":.*//'
"${compose[@]}" logs --tail 5 worker
echo "$job" | grep -q '"state":"succeeded"'
