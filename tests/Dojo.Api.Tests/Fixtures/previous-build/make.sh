#!/usr/bin/env bash
# Makes the previous-build fixture: a data directory written by Dojo as of commit 9ec838d (before job kinds),
# with a job killed mid-training (its checkpoint in the old format), finished image and upload jobs (their
# specs in the old one-record data-set layout, their weights as model.bin), and saved specs of that layout.
# Run it from a checkout of that commit after `dotnet build`; it writes ./out. The test copies the result.
set -euo pipefail
api_dll=${1:?path to the old build\'s Dojo.Api.dll}
out=$(pwd)/out
rm -rf "$out"; mkdir -p "$out"
token=dojo_test-instructor-token-0123456789   # DojoFactory.InstructorToken
export Dojo__DataDirectory=$out Dojo__Auth__BootstrapToken=$token Dojo__Worker__CheckpointMinSeconds=0 \
  Kestrel__Endpoints__Rest__Url=http://127.0.0.1:5390 Kestrel__Endpoints__Grpc__Url=http://127.0.0.1:5391 DOTNET_ENVIRONMENT=Production
dotnet "$api_dll" > "$out.log" 2>&1 &
pid=$!
api=http://127.0.0.1:5390
auth=(-H "Authorization: Bearer $token")
until curl -sf "$api/health/ready" >/dev/null; do sleep 0.5; done
post() { curl -sf "${auth[@]}" -H 'content-type: application/json' -X POST "$api$1" --data "$2"; }
wait_state() { until curl -sf "${auth[@]}" "$api/api/jobs/$1" | grep -q "\"state\":\"$2\""; do sleep 0.3; done; }
id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

# Saved specs in the old layout.
post /api/datasets '{"name":"digits-saved","spec":{"kind":"builtin","name":"digits","trainCount":600,"testCount":200,"seed":3}}' > /dev/null
post /api/networks '{"name":"tiny-cnn","spec":{"layers":[{"type":"conv2d","outChannels":4,"kernel":3},{"type":"activation","function":"relu"},{"type":"flatten"},{"type":"dense","units":10}]}}' > /dev/null

# A finished CNN on the built-in digits.
digits=$(post /api/jobs '{"name":"old-digits","dataset":{"kind":"builtin","name":"digits","trainCount":600,"testCount":200,"seed":3},
  "network":{"layers":[{"type":"conv2d","outChannels":4,"kernel":3},{"type":"activation","function":"relu"},{"type":"flatten"},{"type":"dense","units":10}]},
  "optimizer":{"kind":"adam","learningRate":0.01},"training":{"loss":"crossEntropy","batchSize":32,"epochs":3,"seed":1}}' | id_of)
wait_state "$digits" succeeded

# An upload (CSV, 4 features, 2 classes) and a finished job on it.
python3 - > "$out.csv" <<'PY'
import random
random.seed(7)
print("label,a,b,c,d")
for i in range(60):
    y = i % 2
    print(",".join([str(y)] + [f"{random.gauss(y * 2.0, 1.0):.3f}" for _ in range(4)]))
PY
upload=$(curl -sf "${auth[@]}" -X POST "$api/api/datasets/uploads" -F name=old-upload -F "csv=@$out.csv" -F labelColumn=label | id_of)
onupload=$(post /api/jobs "{\"name\":\"old-upload-job\",\"dataset\":{\"kind\":\"upload\",\"uploadId\":\"$upload\",\"testCount\":20},
  \"network\":{\"layers\":[{\"type\":\"dense\",\"units\":2}]},\"training\":{\"loss\":\"crossEntropy\",\"epochs\":3}}" | id_of)
wait_state "$onupload" succeeded

# A playground job killed mid-training: batch 1 over 500 points, Adam, 30 epochs; killed after its 3rd checkpoint.
long=$(post /api/jobs '{"name":"old-interrupted","dataset":{"generator":"xor","samples":1000,"noise":0,"trainPercent":50,"seed":1,"features":["x1","x2"]},
  "network":{"init":{"kind":"xavier","distribution":"uniform"},"layers":[{"type":"dense","units":4},{"type":"activation","function":"tanh"},
  {"type":"dense","units":2},{"type":"activation","function":"tanh"},{"type":"dense","units":1},{"type":"activation","function":"tanh"}]},
  "optimizer":{"kind":"adam","learningRate":0.01},"training":{"loss":"mse","batchSize":1,"epochs":30,"seed":1}}' | id_of)
until curl -sf "${auth[@]}" "$api/api/jobs/$long" | grep -qE '"checkpointEpoch":([3-9]|[12][0-9])'; do sleep 0.1; done
kill -9 $pid
wait $pid 2>/dev/null || true
# Fold the WAL into the database file, drop what the test does not need.
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); c.execute('PRAGMA journal_mode=DELETE'); c.close()" "$out/dojo.db"
rm -f "$out"/hangfire.db* "$out"/dojo.db-wal "$out"/dojo.db-shm "$out.csv"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('VACUUM'); c.close()" "$out/dojo.db"
mv "$out/dojo.db" "$out/dojo.sqlite"; rmdir "$out/datasets/incoming"
echo "digits=$digits upload=$upload onupload=$onupload interrupted=$long" | tee "$out/ids.txt"
