#!/usr/bin/env bash
# Builds the image, starts the API and one worker with docker-compose (host network, as on machines
# without a bridge), submits samples/xor.json and a small CNN on the built-in digits (the image carries
# datasets/), waits for both to end, fetches a learning-curve PNG, prints what it got, and stops again.
#   ../shared/tools/docker-local.sh up   # once, on the development machines here
#   tools/docker-smoke.sh
# It runs as its own compose project (dojo-smoke: its own containers and volume), its own image tag and its own
# ports, so a Dojo deployed from the same checkout (the default project, dojo:latest, 5080) is never touched:
# the final `down -v` removes only the smoke project's volume.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOJO_IMAGE=dojo:smoke DOJO_REST_PORT=${DOJO_SMOKE_REST_PORT:-5380} DOJO_GRPC_PORT=${DOJO_SMOKE_GRPC_PORT:-5381}
compose=(docker-compose -p dojo-smoke -f docker-compose.yml -f docker-compose.host.yml)
export DOJO_BOOTSTRAP_TOKEN="dojo_smoke-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
auth=(-H "Authorization: Bearer $DOJO_BOOTSTRAP_TOKEN")
api=http://127.0.0.1:$DOJO_REST_PORT
docker build --network host -t "$DOJO_IMAGE" .
"${compose[@]}" up -d
trap '"${compose[@]}" down -v' EXIT
for _ in $(seq 1 120); do curl -sf "$api/health/ready" >/dev/null && break; sleep 1; done

# submit <request file or JSON>: prints the job id; finish <id>: waits and prints the job without its spec.
submit() { curl -sf "${auth[@]}" -X POST "$api/api/jobs" -H 'content-type: application/json' --data "$1" | sed -E 's/.*"id":"([^"]+)".*/\1/'; }
finish() {
  local job
  for _ in $(seq 1 180); do
    job=$(curl -sf "${auth[@]}" "$api/api/jobs/$1")
    case "$job" in *'"state":"queued"'*|*'"state":"running"'*) sleep 1 ;; *) break ;; esac
  done
  echo "$job" | sed -E 's/"evaluation":.*//; s/"spec":.*//'
  echo "$job" | grep -q '"state":"succeeded"'
}

xor=$(submit @samples/xor.json)
cnn=$(submit '{"name": "digits-cnn", "dataset": {"kind": "builtin", "name": "digits", "seed": 2},
  "network": {"layers": [{"type": "conv2d", "outChannels": 8, "kernel": 3, "padding": "same"}, {"type": "activation", "function": "relu"},
    {"type": "maxPool2d", "kernel": 2}, {"type": "flatten"}, {"type": "dense", "units": 10}]},
  "optimizer": {"kind": "adam", "learningRate": 0.01}, "training": {"loss": "crossEntropy", "batchSize": 32, "epochs": 5}}')
echo "submitted jobs $xor $cnn"
finish "$xor"
finish "$cnn"
curl -sf "${auth[@]}" -o /tmp/dojo-smoke-loss.png "$api/api/jobs/$cnn/plots/loss.png"
file /tmp/dojo-smoke-loss.png
curl -sf "${auth[@]}" -o /tmp/dojo-smoke-boundary.png "$api/api/jobs/$xor/plots/boundary.png"
file /tmp/dojo-smoke-boundary.png
# The web page and the samples it offers are in the image; a course may read times in any IANA zone (tzdata).
curl -sf "$api/" | grep -q '<title>Dojo</title>' && echo "web page served"
curl -sf "$api/samples/xor.json" | grep -q '"generator": "xor"' && echo "samples served"
curl -sf "${auth[@]}" -X POST "$api/api/courses" -H 'content-type: application/json' -d '{"name": "smoke", "timeZone": "Europe/Berlin"}' \
  | grep -q '"timeZone":"Europe/Berlin"' && echo "time zones known"
"${compose[@]}" logs --tail 5 worker
