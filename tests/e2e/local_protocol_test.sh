#!/usr/bin/env bash
# The local cloud's wire protocol against clients nobody here wrote and against hostile
# input: both Query transports and both SigV4 placements, the signature checks, limits and
# EC2 error documents (local_protocol_check.py, botocore as the judge). The API runs alone
# (--no-runtime: no root, instances are records) on a free port, torn down on exit.
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
/usr/bin/python3 "$here/local_protocol_check.py" "$endpoint" "$access_key" "$secret_key"
