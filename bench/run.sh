#!/usr/bin/env bash
# Dojo's benchmark: builds the API and the bench in Release, then runs them on loopback ports 5180/5181.
#   bench/run.sh [rounds] [--pytorch | --playground | --scale | --slots | --step]   (default 5 rounds; figures in README.md come from this command)
set -euo pipefail
cd "$(dirname "$0")/.."
# The PyTorch peer (bench/peer/torch_peer.py) needs Debian's python3-torch and OpenBLAS (used by that process only).
case " $* " in *" --playground "*|*" --scale "*|*" --slots "*|*" --step "*) ;; *)
  if [ ! -d /usr/lib/x86_64-linux-gnu/openblas-openmp ] || ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
    echo "bench: installing the PyTorch peer's Debian packages (python3-torch, libopenblas0-openmp)"
    $( [ "$(id -u)" = 0 ] || echo sudo ) apt-get install -y -q python3-torch libopenblas0-openmp >/dev/null
  fi;;
esac
dotnet build -c Release src/Api -v q -nologo
dotnet build -c Release src/Worker -v q -nologo
dotnet build -c Release bench/Dojo.Bench -v q -nologo
dotnet bench/Dojo.Bench/bin/Release/net10.0/linux-x64/Dojo.Bench.dll "$@"
