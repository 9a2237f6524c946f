#!/usr/bin/env bash
# Slurm on a cluster (issue 12, part 4) on the local cloud: `up c --nodes 2 --scheduler slurm`
# installs slurm-wlm and munge (the host's packages, seen through the instances' overlay),
# runs slurmctld on node 0 and slurmd on both; `srun -N 2 hostname` prints both nodes' host
# names, each step runs on node c-0 and c-1, `sbatch --wait` runs a two-node batch job, the
# partition c holds both nodes with the CPUs they have, both nodes share one munge key (0400,
# owned by munge) that gpubox printed and kept nowhere; after stop and start the daemons are
# back (per-boot) and srun works again; down leaves nothing. A scheduler without a cluster, or
# an unknown one, is a usage error that launches nothing. Figure: the time to a ready cluster.
set -uo pipefail
gpubox=$1
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/local_cloud_env.sh
source "$here/local_cloud_env.sh"

# BOX 'COMMAND LINE': run by BOX's shell (ssh joins its arguments with spaces, as OpenSSH does)
on() { "$gpubox" ssh "$1" -- "$2" 2>/dev/null; }
sorted_words() { tr -s ' \n' '\n\n' | sed '/^$/d' | sort | tr '\n' ' '; }
slurm_ready() {  # every node idle in sinfo on c
  [ "$(on c "sinfo -h -N -o %N:%T" | sorted_words)" = "c-0:idle c-1:idle " ]
}
t4=(--gpu T4 --on-demand --no-setup)

# 1. Usage: no cluster, or an unknown scheduler, is refused before anything is launched.
"$gpubox" up s --scheduler slurm "${t4[@]}" >/dev/null 2>"$work/s.err"
check "--scheduler slurm without --nodes: usage error (exit 2)" test $? = 2
check "... in one line naming --nodes" bash -c "[ \$(wc -l <'$work/s.err') = 1 ] && \
  grep -q '^gpubox: error: .*--nodes' '$work/s.err'"
"$gpubox" up s --nodes 2 --scheduler pbs "${t4[@]}" >/dev/null 2>"$work/pbs.err"
check "--scheduler pbs: usage error (exit 2)" test $? = 2
"$gpubox" up default --nodes 2 --scheduler slurm "${t4[@]}" >/dev/null 2>"$work/default.err"
check "a Slurm cluster named 'default' (Slurm's reserved partition name): usage error" test $? = 2
check "... saying so" grep -q "^gpubox: error: .*named 'default'" "$work/default.err"
check "... nothing launched" test "$(tag_count s)$(tag_count default)" = 00

# 2. The Slurm cluster.
start=$(now_ms)
"$gpubox" up c --nodes 2 --scheduler slurm "${t4[@]}" >"$work/c.out" 2>"$work/c.err"
up_rc=$?
up_ms=$(($(now_ms) - start))
check "up c --nodes 2 --scheduler slurm" test "$up_rc" = 0
[ "$up_rc" = 0 ] || tail -n 5 "$work/c.err"
host0=$(on c hostname) host1=$(on c-1 hostname)
both=$(printf '%s\n%s\n' "$host0" "$host1" | sorted_words)
prints_both() {  # CMD...: prints the host names of both nodes, one line each, nothing else
  local got
  got=$("$@" | sorted_words)
  [ -n "$host0" ] && [ -n "$host1" ] && [ "$got" = "$both" ]
}
check "the nodes have host names of their own" \
  bash -c "[ -n '$host0' ] && [ -n '$host1' ] && [ '$host0' != '$host1' ]"
check "sinfo: c-0 and c-1 idle" slurm_ready
check "sinfo: partition c (the default) holds both nodes" \
  test "$(on c "sinfo -h -o '%P %D %T'")" = "c* 2 idle"
nproc0=$(on c nproc)
check "sinfo: each node with the CPUs it has ($nproc0)" \
  test "$(on c "sinfo -h -N -o %N:%c" | sorted_words)" = "c-0:$nproc0 c-1:$nproc0 "

# 3. srun and sbatch across both nodes.
check "srun -N 2 hostname prints both nodes' host names" \
  prints_both on c "timeout 60 srun -N 2 hostname"
# shellcheck disable=SC2016  # expanded by each step
check "... a step on c-0 and one on c-1" \
  test "$(on c "timeout 60 srun -N 2 sh -c 'echo \$SLURMD_NODENAME'" | sorted_words)" = "c-0 c-1 "
check "srun from node 1 works too" prints_both on c-1 "timeout 60 srun -N 2 hostname"
on c "timeout 90 sbatch --wait -N 2 -w c-0,c-1 -o /tmp/gpubox-sbatch.out \
  --wrap 'srun hostname; srun -N 2 --ntasks-per-node 1 true'" >"$work/sbatch.out"
check "sbatch --wait: a two-node batch job ends with exit 0" test $? = 0
check "... its output (on the batch host c-0) has a line from each node" \
  prints_both on c "cat /tmp/gpubox-sbatch.out"

# 4. munge: one key on both nodes, private, and nowhere on this side.
key0=$(on c "sudo -n sha256sum /etc/munge/munge.key" | cut -d' ' -f1)
key1=$(on c-1 "sudo -n sha256sum /etc/munge/munge.key" | cut -d' ' -f1)
check "one munge key on both nodes" bash -c "[ -n '$key0' ] && [ '$key0' = '$key1' ]"
check "... 0400, owned by munge" \
  test "$(on c-1 "sudo -n stat -c '%a %U' /etc/munge/munge.key")" = "400 munge"
key_text=$(on c "sudo -n cat /etc/munge/munge.key")
key_kept_nowhere() {  # the key is long, and in neither up's output nor gpubox's files
  [ "${#key_text}" -ge 64 ] && ! grep -rqF -- "$key_text" "$work/c.out" "$work/c.err" \
    "$XDG_STATE_HOME" "$HOME/.config" "$HOME/.ssh" 2>/dev/null
}
check "... not printed by up, nor kept in gpubox's state" key_kept_nowhere
check "events: slurm" bash -c "'$gpubox' events c | grep -q slurm"

# 5. Stop and start: the daemons come back on their own.
check "stop c" "$gpubox" stop c
check "start c" "$gpubox" start c
ready=0
for _ in $(seq 60); do slurm_ready && { ready=1; break; }; sleep 1; done
check "after start: both nodes idle again" test "$ready" = 1
check "after start: srun -N 2 hostname on both nodes" \
  prints_both on c "timeout 60 srun -N 2 hostname"

# 6. Down: nothing left.
check "down c" "$gpubox" down c --yes
check "no instance of c left" test "$(tag_count c)" = 0
check "no record of c left" jqe 'map(select(.cluster == "c")) | length == 0' < <("$gpubox" ls --json)

echo "figure: up c --nodes 2 --scheduler slurm --no-setup took ${up_ms} ms (2 nodes, Slurm" \
  "installed, configured and every node idle)"
finish
