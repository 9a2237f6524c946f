# shellcheck shell=bash
# gpubox bench on the box (after bench.py has been written to ~/.gpubox/bench.py): runs it
# with the box's own python (the d2l environment setup made, else python3), its progress
# lines ("bench: ...") on stdout as they come, then a marker line and the JSON result.
# Input (environment): GPUBOX_BENCH_ARGS (e.g. "--quick --workers 2").
set -eu
python=python3
for candidate in "${HOME}/d2l/bin/python" "${HOME}/miniconda3/envs/d2l/bin/python"; do
  if [ -x "${candidate}" ]; then
    python="${candidate}"
    break
  fi
done
# stderr (progress) to the session's stdout, stdout (the JSON) to a file; the arguments are
# words.
# shellcheck disable=SC2086,SC2069
"${python}" "${HOME}/.gpubox/bench.py" ${GPUBOX_BENCH_ARGS} 2>&1 >"${HOME}/.gpubox/bench.json"
echo "gpubox-bench-json"
cat "${HOME}/.gpubox/bench.json"
