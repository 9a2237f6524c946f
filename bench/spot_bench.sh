#!/usr/bin/env bash
# Spot interruptions on a private local cloud (root), measured here, never asserted:
#  - from the pool's capacity withdrawn to the notice visible in IMDS on the box, and to the
#    box stopped (the notice period is --spot-notice-seconds, 3 here);
#  - from capacity back to the box running again (the cloud restarting it) and answering SSH;
#  - a cross-zone `gpubox recover` (image, launch, retire, ssh config), with its steps.
# Usage: bench/spot_bench.sh [GPUBOX_BINARY] [ROUNDS]
set -uo pipefail
gpubox=$(realpath "${1:-build/gpubox}")
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/../tests/e2e/local_cloud_env.sh"
state_of() {  # gpubox's state of box $1 ("interrupted" included), or the cloud's when $2 = cloud
  local key=.state; [ "${2:-}" = cloud ] && key=.cloud_state
  jq -r --arg n "$1" ".[] | select(.name == \$n) | $key" <<<"$("$gpubox" ls --json)"
}
zone_of() { jq -r --arg n "$1" '.[] | select(.name == $n) | .zone' <<<"$("$gpubox" ls --json)"; }
until_state() { until [ "$(state_of "$1" "${3:-}")" = "$2" ]; do sleep 0.05; done; }
notice() {
  # shellcheck disable=SC2016  # expanded on the box
  "$gpubox" exec "$1" -- sh -c 't=$(curl -s -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" \
    http://169.254.169.254/latest/api/token); curl -sf -H "X-aws-ec2-metadata-token: $t" \
    http://169.254.169.254/latest/meta-data/spot/instance-action' 2>/dev/null
}

"$gpubox" local fault --spot-notice-seconds 3 >/dev/null
"$gpubox" up sb --spot --region us-east-1 --instance-type g4dn.xlarge --no-setup >/dev/null 2>&1 ||
  { echo "up failed"; exit 1; }
for round in $(seq "$rounds"); do
  zone=$(zone_of sb)
  t0=$(now_ms)
  "$gpubox" local fault --withdraw-capacity "g4dn.xlarge@$zone" >/dev/null
  until [ -n "$(notice sb)" ]; do sleep 0.05; done
  t_notice=$(($(now_ms) - t0))
  until_state sb interrupted
  t_stopped=$(($(now_ms) - t0))
  t1=$(now_ms)
  "$gpubox" local fault --restore-capacity "g4dn.xlarge@$zone" >/dev/null
  until_state sb running cloud
  t_running=$(($(now_ms) - t1))
  until "$gpubox" exec sb -- true 2>/dev/null; do sleep 0.05; done
  t_ssh=$(($(now_ms) - t1))
  "$gpubox" local fault --withdraw-capacity "g4dn.xlarge@$zone" >/dev/null
  until_state sb interrupted
  t2=$(now_ms)
  "$gpubox" recover sb >/dev/null 2>&1 || { echo "recover failed"; exit 1; }
  t_recover=$(($(now_ms) - t2))
  "$gpubox" local fault --restore-capacity all >/dev/null
  echo "round $round: notice in IMDS ${t_notice} ms, stopped ${t_stopped} ms after the withdrawal;" \
    "capacity back -> running ${t_running} ms, -> SSH ${t_ssh} ms;" \
    "recover $zone -> $(zone_of sb) ${t_recover} ms"
done
echo "last recovery's steps:"
"$gpubox" events sb | grep ' recover '
"$gpubox" down sb --yes >/dev/null 2>&1
