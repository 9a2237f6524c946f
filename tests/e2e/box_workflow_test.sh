#!/usr/bin/env bash
# The book's chapter as a new user runs it, on the local cloud: up -> Jupyter over the
# tunnel -> the sample notebook -> stop -> start -> image -> up from the image -> down.
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"
curl_code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$@"; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
jport=$(free_port)
start=$(now_ms)
mkdir -p "$work/mine"
echo '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}' >"$work/mine/my-notes.ipynb"
check "up d2l (with --notebooks)" "$gpubox" up d2l --gpu T4 --on-demand --notebooks "$work/mine"
jupyter=$("$gpubox" jupyter d2l --json --port "$jport")
up_ms=$(($(now_ms) - start))
token=$(jq -r .token <<<"$jupyter")
port=$(jq -r .port <<<"$jupyter")
box=$("$gpubox" ls --json)
ip=$(jq -r '.[0].ip' <<<"$box")
ns="$prefix-$(jq -r '.[0].instance_id' <<<"$box")"
check "Jupyter answers /api/status with its token through the tunnel" \
  test "$(curl_code -H "Authorization: token $token" "http://127.0.0.1:$port/api/status")" = 200
check "Jupyter refuses without the token" test "$(curl_code "http://127.0.0.1:$port/api/status")" = 403
check "port 8888 answers nowhere without the tunnel" test "$(curl_code "http://$ip:8888/api/status")" = 000
check "jupyter again reuses the server and the tunnel" \
  jqe '.server_reused and .tunnel_reused' <<<"$("$gpubox" jupyter d2l --json --port "$jport")"
check "the sample notebook runs on the box through Jupyter" /usr/bin/python3 \
  "$here/../../tools/run_notebook_via_jupyter.py" "http://127.0.0.1:$port" "$token" gpubox-sample.ipynb
check "--notebooks were uploaded beside the sample" \
  test "$("$gpubox" exec d2l -- ls notebooks | sort | tr '\n' ' ')" = "gpubox-sample.ipynb my-notes.ipynb "
check "ssh NAME works through the ssh config include" ssh -F "$HOME/.ssh/config" d2l true
"$gpubox" exec d2l -- sh -c 'exit 7'
check "exec passes the exit status through" test $? = 7
"$gpubox" exec d2l -- sh -c 'echo kept > ~/mine.txt'
# exec runs exactly its argv: every argument arrives whole, nothing is expanded on the box.
# shellcheck disable=SC2016  # '$HOME' must reach the box unexpanded
odd_args=("two words" "it's \"quoted\"" '$HOME' 'a;b' '*' $'line1\nline2' '')
check "exec keeps argument boundaries and text (spaces, quotes, \$, ;, globs, newlines)" \
  test "$("$gpubox" exec d2l -- printf '[%s]' "${odd_args[@]}")" = "$(printf '[%s]' "${odd_args[@]}")"
check "exec runs python3 -c with a program of several statements" \
  test "$("$gpubox" exec d2l -- python3 -c 'import sys; print(len(sys.argv))' x)" = 2
check "exec runs no shell syntax of its own" test "$("$gpubox" exec d2l -- echo 'a;' 'echo' b)" = "a; echo b"
check "ssh -- keeps ssh's own joining (the remote shell parses it)" \
  test "$("$gpubox" ssh d2l -- echo 'x;' echo y)" = "$(printf 'x\ny')"

check "stop" "$gpubox" stop d2l
check "stopped: no process left in the box" test -z "$(ip netns pids "$ns" 2>/dev/null)"
check "ls says stopped" jqe '.[0].state == "stopped" and .[0].cloud_state == "stopped"' <<<"$("$gpubox" ls --json)"
check "start" "$gpubox" start d2l
check "files intact after stop and start" test "$("$gpubox" exec d2l -- cat mine.txt)" = kept

check "image" "$gpubox" image d2l --name d2l-img
check "images lists it" jqe '.[0].name == "d2l-img"' <<<"$("$gpubox" images --json)"
start=$(now_ms)
"$gpubox" up d2l2 --gpu T4 --on-demand --image d2l-img >"$work/up2.log" 2>&1
check "up from the image" test $? = 0
"$gpubox" jupyter d2l2 --port "$(free_port)" >/dev/null
image_ms=$(($(now_ms) - start))
check "no setup phase rerun from the image" test "$(grep -c 'already done (skipped)' "$work/up2.log")" = 6
check "the image's files are on the new box" test "$("$gpubox" exec d2l2 -- cat mine.txt)" = kept

for name in d2l d2l2; do
  check "down $name" "$gpubox" down "$name" --yes
  check "no instance of $name left" test "$(tag_count "$name")" = 0
done
check "no namespace left" test -z "$(ip netns list | grep "^$prefix-")"
export AWS_ACCESS_KEY_ID=$ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SECRET_KEY AWS_PAGER="" AWS_DEFAULT_REGION=us-east-1
check "no security group made for the boxes left" test "$(/usr/bin/aws --endpoint-url "$ENDPOINT" ec2 \
  describe-security-groups --query "length(SecurityGroups[?starts_with(GroupName, 'gpubox-')])")" = 0
check "no key pair made for the boxes left" test "$(/usr/bin/aws --endpoint-url "$ENDPOINT" ec2 \
  describe-key-pairs --query "length(KeyPairs[?starts_with(KeyName, 'gpubox-')])")" = 0
check "no tunnel left" test -z "$(ls "$XDG_STATE_HOME/gpubox/tunnels/"*.sock 2>/dev/null)"
check "ls is empty" jqe 'length == 0' <<<"$("$gpubox" ls --json)"
echo "timing: up to Jupyter answering ${up_ms} ms fresh, ${image_ms} ms from an image"
finish
