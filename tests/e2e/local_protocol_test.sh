#!/usr/bin/env bash
# The local cloud's wire protocol against clients nobody here wrote and against hostile
# input: both Query transports and both SigV4 placements, the signature checks, limits and
# EC2 error documents (local_protocol_check.py, botocore as the judge); boto3 and Apache
# Libcloud's EC2 driver end to end (local_clients_check.py); a seeded protocol fuzz run
# (local_fuzz_check.py, GPUBOX_FUZZ_COUNT requests, default 2500), then a daemon restart
# that must bring back the identical stored state. The API runs alone (--no-runtime: no
# root, instances are records) on a free port, torn down on exit.
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
state=$(mktemp -d /tmp/gpubox-protocol.XXXXXX)
teardown() {
  "$gpubox" local down --purge --state-dir "$state/s" >/dev/null 2>&1
  if [ -f "$state/s/daemon.json" ]; then kill "$(jq -r .pid "$state/s/daemon.json")" 2>/dev/null; fi
  rm -rf "$state"
}
trap teardown EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$gpubox" local up --port "$port" --state-dir "$state/s" --no-runtime >/dev/null || { echo "FAIL local up"; exit 1; }
status_json=$("$gpubox" local status --state-dir "$state/s" --json)
endpoint=$(jq -r .endpoint <<<"$status_json")
access_key=$(jq -r .access_key_id <<<"$status_json")
secret_key=$(jq -r .secret_access_key <<<"$status_json")
failed=0
/usr/bin/python3 "$here/local_protocol_check.py" "$endpoint" "$access_key" "$secret_key" || failed=1
ssh-keygen -q -t ed25519 -N "" -C e2e -f "$state/id"
/usr/bin/python3 "$here/local_clients_check.py" "$endpoint" "$access_key" "$secret_key" "$state/id.pub" || failed=1
count=${GPUBOX_FUZZ_COUNT:-2500}
seed=${GPUBOX_FUZZ_SEED:-$RANDOM}
echo "fuzz seed $seed (GPUBOX_FUZZ_SEED=$seed reproduces it)"
start=$(date +%s)
/usr/bin/python3 "$here/local_fuzz_check.py" "$endpoint" "$access_key" "$secret_key" "$count" "$seed" "$state/before.json" "$state/id.pub" || failed=1
echo "fuzz: $(( $(date +%s) - start )) s"
"$gpubox" local down --state-dir "$state/s" >/dev/null || failed=1
"$gpubox" local up --port "$port" --state-dir "$state/s" --no-runtime >/dev/null || { echo "FAIL local up after down"; exit 1; }
/usr/bin/python3 "$here/local_fuzz_check.py" snapshot "$endpoint" "$access_key" "$secret_key" "$state/after.json"
if cmp -s "$state/before.json" "$state/after.json"; then
  echo "ok   stored state reloads identically after a restart"
else
  echo "FAIL stored state differs after a restart"; diff "$state/before.json" "$state/after.json" | head -20; failed=1
fi
exit $failed
