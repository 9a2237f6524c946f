#!/usr/bin/env bash
# Issue 15, Docker's model: root starts the local cloud once and grants users; a granted user
# runs every gpubox command as themselves (up, jupyter through their own tunnel, ssh, exec,
# down) with a key of their own, sees only their own boxes, and loses access at once on
# revoke; a user without access gets one line that says how to be granted.
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"

if ! runuser -u nobody -- test -x "$gpubox"; then
  echo "skipped: other users cannot run $gpubox (a directory above it is not world-executable)"
  echo "0 passed, 0 failed"
  exit 0
fi
u1="gbx${prefix}a"
u2="gbx${prefix}b"
users_teardown() {
  for user in "$u1" "$u2"; do
    id "$user" >/dev/null 2>&1 || continue
    # Only the processes this test started as the user (their tunnels and ssh masters).
    for pid in $(pgrep -u "$user"); do kill "$pid" 2>/dev/null; done
    sleep 0.2
    userdel -r "$user" >/dev/null 2>&1
  done
  local_cloud_teardown
}
trap users_teardown EXIT
for user in "$u1" "$u2"; do
  useradd -m -s /bin/bash "$user" || { echo "FAIL useradd $user"; exit 1; }
  usermod -p '*' "$user"
done
chmod 711 "$work"  # the users reach $GPUBOX_LOCAL_PUBLIC_DIR below it; they list nothing
as_user() {  # as_user USER CMD...: a login-like environment, no root, no root's variables
  local user=$1; shift
  runuser -u "$user" -- env -i PATH="$PATH" HOME="/home/$user" USER="$user" LANG=C.UTF-8 \
    GPUBOX_LOCAL_PUBLIC_DIR="$GPUBOX_LOCAL_PUBLIC_DIR" "$@"
}
curl_code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ec2_as() {  # ec2_as KEY SECRET ARGS...: the AWS CLI with these keys (stderr too)
  local key=$1 secret=$2; shift 2
  AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_PAGER="" AWS_DEFAULT_REGION=us-east-1 \
    /usr/bin/aws --endpoint-url "$ENDPOINT" ec2 "$@" 2>&1
}
fails() { ! "$@" >/dev/null 2>&1; }
start=$(now_ms)

# Before any grant: a user is told how to be granted, in one line, exit 6.
err=$(as_user "$u1" "$gpubox" ls 2>&1 >/dev/null)
check "before a grant: u1's ls is refused (no endpoint published: not running)" test -n "$err"

out=$("$gpubox" local up --allow-user "$u1")
check "local up --allow-user grants u1 a key of their own" grep -q "^granted $u1: key AKIA" <<<"$out"
keyfile="$GPUBOX_LOCAL_PUBLIC_DIR/credentials/$u1.json"
check "u1's key file is theirs alone (0600)" test "$(stat -c '%U %a' "$keyfile")" = "$u1 600"
check "u2 cannot read u1's key" fails runuser -u "$u2" -- cat "$keyfile"
check "local status shows who has access" grep -q "^access     $u1: key AKIA" <<<"$("$gpubox" local status)"

u1_status=$(as_user "$u1" "$gpubox" local status --json)
U1_KEY=$(jq -r .access_key_id <<<"$u1_status")
U1_SECRET=$(jq -r .secret_access_key <<<"$u1_status")
check "u1 finds the cloud root runs, with their own key" \
  test "$(jq -r .endpoint <<<"$u1_status")" = "$ENDPOINT" -a "$U1_KEY" != "$ACCESS_KEY" -a -n "$U1_KEY"

# Root's box and u1's box have the same name: accounts keep them apart.
check "root: up d2l (no setup)" "$gpubox" up d2l --gpu T4 --on-demand --no-setup
root_iid=$("$gpubox" ls --json | jq -r '.[0].instance_id')
check "u1: up d2l, as u1, no sudo" as_user "$u1" "$gpubox" up d2l --gpu T4 --on-demand
u1_ls=$(as_user "$u1" "$gpubox" ls --json)
u1_iid=$(jq -r '.[0].instance_id' <<<"$u1_ls")
check "u1's ls: their box alone, no orphan of root's" jqe 'length == 1 and .[0].name == "d2l" and .[0].orphan == false' <<<"$u1_ls"
check "u1's box is not root's" test "$u1_iid" != "$root_iid" -a -n "$u1_iid"
check "root's ls: root's box alone" jqe "length == 1 and .[0].instance_id == \"$root_iid\"" <<<"$("$gpubox" ls --json)"
check "u1's key pair, database and ssh config live in u1's home" \
  test "$(stat -c '%U %a' "/home/$u1/.local/share/gpubox/keys/d2l" "/home/$u1/.local/state/gpubox/gpubox.db" \
  "/home/$u1/.config/gpubox/ssh_config" | cut -d' ' -f1 | sort -u)" = "$u1"
check "u1's key cannot describe root's instance (NotFound, as another account's on EC2)" \
  grep -q InvalidInstanceID.NotFound <<<"$(ec2_as "$U1_KEY" "$U1_SECRET" describe-instances --instance-ids "$root_iid")"
check "u1's key lists u1's instance alone" test "$(ec2_as "$U1_KEY" "$U1_SECRET" describe-instances \
  --query 'Reservations[].Instances[].InstanceId' --output text)" = "$u1_iid"

jport=$(free_port)
jupyter=$(as_user "$u1" "$gpubox" jupyter d2l --json --port "$jport")
token=$(jq -r .token <<<"$jupyter")
check "u1: Jupyter answers through u1's tunnel with the token" \
  test "$(curl_code -H "Authorization: token $token" "http://127.0.0.1:$jport/api/status")" = 200
check "the notebook API lists the sample notebook through the tunnel" jqe \
  '[.content[].name] | index("gpubox-sample.ipynb") != null' <<<"$(curl -s -m 5 -H "Authorization: token $token" \
  "http://127.0.0.1:$jport/api/contents")"
check "u1: the sample notebook runs on u1's box through u1's tunnel" as_user "$u1" /usr/bin/python3 \
  "$here/../../tools/run_notebook_via_jupyter.py" "http://127.0.0.1:$jport" "$token" gpubox-sample.ipynb
check "the tunnel is u1's own (its control socket in u1's home, theirs)" \
  test "$(stat -c %U "/home/$u1/.local/state/gpubox/tunnels/d2l.sock")" = "$u1"
check "u1: gpubox ssh d2l -- true" as_user "$u1" "$gpubox" ssh d2l -- true
check "u1: ssh d2l through u1's ssh config" as_user "$u1" ssh d2l true
check "u1: exec runs on the box as its login user" test "$(as_user "$u1" "$gpubox" exec d2l -- whoami)" = ubuntu
check "u1: stop" as_user "$u1" "$gpubox" stop d2l
check "u1: start" as_user "$u1" "$gpubox" start d2l

# A second user: without access, one line and exit 6; granted, in an account of their own.
err=$(as_user "$u2" "$gpubox" ls 2>&1 >/dev/null)
code=$(as_user "$u2" "$gpubox" ls >/dev/null 2>&1; echo $?)
check "u2 without access: exit 6" test "$code" = 6
check "u2 without access: one line" test "$(wc -l <<<"$err")" = 1
check "u2 without access: the error and a hint naming the grant" grep -q \
  "^gpubox: error: user $u2 has no access to the local cloud.*; hint: .*sudo gpubox local up --allow-user $u2" <<<"$err"
echo "   (the line: $err)"
"$gpubox" local up --allow-user "$u2" >/dev/null
check "u2 granted: sees none of u1's or root's boxes" jqe 'length == 0' <<<"$(as_user "$u2" "$gpubox" ls --json)"
check "u2 cannot take u1's box down (not theirs: not found)" fails as_user "$u2" "$gpubox" down d2l --yes

check "u1: down d2l" as_user "$u1" "$gpubox" down d2l --yes
check "u1: no tunnel left" test -z "$(ls "/home/$u1/.local/state/gpubox/tunnels/"*.sock 2>/dev/null)"
check "u1: up d2l2 again (no setup), for the revoke" as_user "$u1" "$gpubox" up d2l2 --gpu T4 --on-demand --no-setup
u1_iid2=$(as_user "$u1" "$gpubox" ls --json | jq -r '.[0].instance_id')

out=$("$gpubox" local revoke "$u1")
check "revoke u1: says their key stopped and their instance too" grep -q "^revoked $u1: .*stopped 1 instance" <<<"$out"
check "revoked: u1's old key is refused at once (AuthFailure)" \
  grep -q AuthFailure <<<"$(ec2_as "$U1_KEY" "$U1_SECRET" describe-instances)"
code=$(as_user "$u1" "$gpubox" ls >/dev/null 2>&1; echo $?)
check "revoked: u1's gpubox is refused (exit 6)" test "$code" = 6
check "revoked: u1's key file is gone" test ! -e "$keyfile"
ns="$prefix-$u1_iid2"
for _ in $(seq 1 100); do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.1; done
check "revoked: u1's running box is stopped (no process left in it)" test -z "$(ip netns pids "$ns" 2>/dev/null)"
check "u2 still works after u1's revoke" as_user "$u2" "$gpubox" ls
check "local status no longer lists u1" fails grep -q "^access     $u1:" <<<"$("$gpubox" local status)"
check "root's own box still there" jqe "length == 1 and .[0].state == \"running\"" <<<"$("$gpubox" ls --json)"
echo "timing: $(($(now_ms) - start)) ms"
finish
