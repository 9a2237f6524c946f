# gpubox's user data (run once, as root, at an instance's first boot), after
# GPUBOX_LAUNCH=... (this launch's ClientToken) and jupyter.sh's gpubox_jupyter.
# A box launched from an image that already holds the notebook environment starts Jupyter
# now, with a token made here, so the server boots while gpubox waits for the instance and
# for SSH. A fresh image has no environment yet: nothing to do (setup starts Jupyter).
# gpubox's prepare step and this script agree under a lock: the first to see this launch
# resets the token and writes ~/.gpubox/jupyter.launch; the second keeps what it finds.
set -u
user=ubuntu
home=$(getent passwd "$user" | cut -d: -f6)
[ -n "$home" ] || exit 0
if [ ! -x "$home/d2l/bin/python" ] && [ ! -x "$home/miniconda3/envs/d2l/bin/python" ]; then
  exit 0
fi
export -f gpubox_jupyter
export GPUBOX_LAUNCH
# shellcheck disable=SC2016  # expanded by the box user's bash
setpriv --reuid="$user" --regid="$user" --init-groups env HOME="$home" USER="$user" bash -c '
  set -u
  mkdir -p ~/.gpubox
  exec 9> ~/.gpubox/jupyter.lock
  flock 9
  [ "$(cat ~/.gpubox/jupyter.launch 2>/dev/null)" = "$GPUBOX_LAUNCH" ] && exit 0
  rm -f ~/.gpubox/jupyter.token ~/.gpubox/jupyter_config.py ~/.gpubox/jupyter.pid
  printf "%s\n" "$GPUBOX_LAUNCH" > ~/.gpubox/jupyter.launch
  exec 9>&-  # unlocked: the server must not hold the lock for its whole life
  gpubox_jupyter nowait'
