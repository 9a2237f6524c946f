#!/usr/bin/env bash
# Start-up of the read-only commands against a C++ hello-world, side by side in one run:
# `gpubox --help`, `gpubox offers`, and `gpubox ls` (against a private local cloud, API
# only: the daemon found, the store opened, DescribeRegions and one signed
# DescribeInstances per region) each as a ratio to the hello-world built here with the
# same compiler. Nothing is asserted: the figures are printed.
# Usage: bench/startup.sh [GPUBOX_BINARY] [RUNS]   (needs hyperfine, jq, python3)
set -euo pipefail
gpubox=$(realpath "${1:-build/gpubox}")
runs=${2:-200}
work=$(mktemp -d /tmp/gpubox-startup.XXXXXX)
export HOME="$work/home" XDG_STATE_HOME="$work/home/.local/state" XDG_DATA_HOME="$work/home/.local/share"
export XDG_CONFIG_HOME="$work/home/.config" GPUBOX_LOCAL_STATE_DIR="$work/local" GPUBOX_CLOUD=local
mkdir -p "$HOME"
cleanup() { "$gpubox" local down --purge >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

printf '#include <iostream>\nint main() { std::cout << "hello, world\\n"; }\n' >"$work/hello.cc"
"${CXX:-g++}" -O2 -o "$work/hello" "$work/hello.cc"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$gpubox" local up --port "$port" --no-runtime >/dev/null

hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/times.json" \
  "$work/hello" "$gpubox --help" "$gpubox offers" "$gpubox ls" >/dev/null 2>&1
# Wall time, and CPU time (user + system: steadier when the machine is busy), as ratios.
jq -r '.results[0] as $hello | (["command", "wall", "ratio", "cpu", "ratio"] | @tsv),
  (.results[] | [(.command | sub(".*/hello"; "hello-world") | sub(".*/gpubox"; "gpubox")),
    "\(.mean * 100000 | round / 100) ms", "\(.mean / $hello.mean * 100 | round / 100)x",
    "\((.user + .system) * 100000 | round / 100) ms",
    "\((.user + .system) / ($hello.user + $hello.system) * 100 | round / 100)x"] | @tsv)' \
  "$work/times.json" | column -t -s $'\t'
echo "libraries loaded at start: $(LD_DEBUG=libs "$gpubox" offers 2>&1 >/dev/null | grep -c 'calling init')" \
  "(hello-world: $(LD_DEBUG=libs "$work/hello" 2>&1 >/dev/null | grep -c 'calling init'))"
echo "symbol relocations: $(LD_DEBUG=statistics "$gpubox" offers 2>&1 >/dev/null | sed -n 's/.*final number of relocations: //p')" \
  "(hello-world: $(LD_DEBUG=statistics "$work/hello" 2>&1 >/dev/null | sed -n 's/.*final number of relocations: //p'))"
