#!/usr/bin/env bash
# The real binary, as a user runs it: offers for the book's GPUs and bad input.
set -uo pipefail
gpubox=$1
failures=0
passes=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; passes=$((passes + 1)); else echo "FAIL $name"; failures=$((failures + 1)); fi
}

out=$("$gpubox" offers --gpu K80)
check "K80 lists p2 rows as previous generation" grep -q "p2.xlarge .*previous gen" <<<"$out"
check "K80 says why" grep -q "Kepler is unsupported by CUDA 12" <<<"$out"
check "K80 names a current equivalent" grep -q "Current equivalent: g4dn.xlarge" <<<"$out"

json=$("$gpubox" offers --gpu V100:8 --spot --json --limit 0)
check "V100:8 spot lists p3.16xlarge spot, cheapest first" /usr/bin/python3 -c '
import json, sys
rows = json.loads(sys.argv[1])
p3 = [r for r in rows if r["instance_type"] == "p3.16xlarge"]
assert len(p3) >= 5 and all(r["market"] == "spot" for r in rows)
prices = [r["price_usd_hr"] for r in rows]
assert prices == sorted(prices)' "$json"

for bad in "--gpu V100:0" "--gpu Q9000" "--max-price -1" "--limit x" "--region mars-1"; do
  # shellcheck disable=SC2086
  err=$("$gpubox" offers $bad 2>&1 >/dev/null); status=$?
  check "'$bad' exits 2" test "$status" = 2
  check "'$bad' prints one gpubox error line" test "$(grep -c '' <<<"$err")" = 1 -a \
    "${err#gpubox: error: }" != "$err"
done
err=$("$gpubox" offers --gpu Q9000 2>&1)
check "unknown GPU lists the known ones" grep -q "known GPUs: .*V100.*K80" <<<"$err"

echo "$passes passed, $failures failed"
[ "$failures" = 0 ]
