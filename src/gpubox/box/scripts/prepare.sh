# gpubox's first SSH session on a new box (bash -s), after GPUBOX_LAUNCH=... (this launch's
# ClientToken). It gives the instance a Jupyter token of its own, even when its image holds
# one (unless boot_jupyter.sh already did, for this launch), and prints
# "gpubox-phase-done NAME" for each setup phase the disk already holds (an image's). gpubox
# appends the sample notebook's writing on the local cloud.
set -eu
mkdir -p ~/.gpubox ~/notebooks
# up's first session of this launch: from now on the agent's idle clock runs.
printf '%s\n' "$GPUBOX_LAUNCH" > ~/.gpubox/prepared
(
  flock 9
  if [ "$(cat ~/.gpubox/jupyter.launch 2>/dev/null)" != "$GPUBOX_LAUNCH" ]; then
    rm -f ~/.gpubox/jupyter.token ~/.gpubox/jupyter_config.py ~/.gpubox/jupyter.pid
    printf '%s\n' "$GPUBOX_LAUNCH" > ~/.gpubox/jupyter.launch
  fi
) 9> ~/.gpubox/jupyter.lock
for marker in ~/.gpubox/phases/*; do
  if [ -e "$marker" ]; then echo "gpubox-phase-done ${marker##*/}"; fi
done
