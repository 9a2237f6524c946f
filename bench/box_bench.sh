#!/usr/bin/env bash
# Benchmarks of the whole product on a private local cloud (root): time from `gpubox up` to
# Jupyter answering (fresh and from an image, with the timeline of the up's steps from
# `gpubox events`; measured here, never asserted), EC2 API calls per up, and the whole-process
# time of `gpubox ls` against the AWS CLI's `describe-instances` with 20 boxes.
# Usage: bench/box_bench.sh [GPUBOX_BINARY]
set -uo pipefail
gpubox=$(realpath "${1:-build/gpubox}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/../tests/e2e/local_cloud_env.sh"
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

up_to_jupyter() {  # up_to_jupyter NAME [up flags...]: prints ms until /api/status answers
  local name=$1; shift
  local start token port
  start=$(now_ms)
  "$gpubox" up "$name" --gpu T4 --on-demand "$@" >"$work/$name.log" 2>&1 || { echo "up failed"; cat "$work/$name.log"; return 1; }
  port=$(free_port)
  token=$("$gpubox" jupyter "$name" --port "$port" --json | jq -r .token)
  curl -sf -o /dev/null -H "Authorization: token $token" "http://127.0.0.1:$port/api/status" || return 1
  echo $(($(now_ms) - start))
}

fresh=$(up_to_jupyter fresh)
calls=$(sed -n 's/^gpubox: \([0-9]*\) EC2 API calls$/\1/p' "$work/fresh.log")
"$gpubox" image fresh --name bench-img >/dev/null
from_image=$(up_to_jupyter fromimg --image bench-img)
echo "up -> Jupyter answering, fresh:        ${fresh} ms"
echo "up -> Jupyter answering, from an image: ${from_image} ms"
echo "EC2 API calls per up (fresh):          ${calls}"
# Where the time of the up from the image went: its steps, from `gpubox events`.
echo "timeline of the up from the image (gpubox events fromimg, kind step):"
"$gpubox" events fromimg --json | jq -r '.events[] | select(.kind == "step") | "  \(.message)"'
echo "  then: gpubox jupyter (server started or found, tunnel opened) to /api/status answering"
"$gpubox" down fresh --yes >/dev/null
"$gpubox" down fromimg --yes >/dev/null

"$gpubox" local fault --quota L-DB2E81BA/us-east-1=1024 --capacity g4dn.xlarge=64 >/dev/null
start=$(now_ms)
for i in $(seq 1 20); do
  "$gpubox" up "b$i" --gpu T4 --on-demand --region us-east-1 --no-setup >/dev/null 2>&1 || echo "up b$i failed"
done
echo "20 boxes launched (no setup) in $(($(now_ms) - start)) ms"
echo "boxes listed by gpubox ls: $("$gpubox" ls --json | jq length)"
export AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
hyperfine --warmup 2 --runs 20 --style basic \
  "$gpubox ls --json" \
  "/usr/bin/aws --endpoint-url $ENDPOINT ec2 describe-instances --output json" 2>&1 | grep -E "Time|±|faster|Benchmark"
for cmd in "$gpubox ls --json" "/usr/bin/aws --endpoint-url $ENDPOINT ec2 describe-instances --output json"; do
  # shellcheck disable=SC2086
  echo "peak RSS $( (/usr/bin/time -f %M $cmd >/dev/null) 2>&1 | tail -1) KiB: $cmd" | sed "s|$ENDPOINT|ENDPOINT|"
done
for i in $(seq 1 20); do "$gpubox" down "b$i" --yes >/dev/null 2>&1; done
