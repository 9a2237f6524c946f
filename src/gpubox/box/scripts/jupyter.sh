# shellcheck shell=bash
# gpubox's Jupyter on a box (embedded into the setup scripts and `gpubox jupyter`).
# gpubox_jupyter wait|nowait: Jupyter on 127.0.0.1:8888 with this box's token (made once,
# 0600), started unless it answers or is already booting. "wait" waits until it answers and
# prints reused=0|1 and token=...; "nowait" (during setup) only starts it, printing nothing.
gpubox_jupyter() {
  local mode=$1 token_file=~/.gpubox/jupyter.token config=~/.gpubox/jupyter_config.py
  local pid_file=~/.gpubox/jupyter.pid token python pid
  mkdir -p ~/.gpubox ~/notebooks
  if [ ! -s "$token_file" ]; then
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$token_file")
  fi
  token=$(cat "$token_file")
  if [ ! -s "$config" ]; then
    (umask 077; printf "c.NotebookApp.token = '%s'\nc.NotebookApp.ip = '127.0.0.1'\nc.NotebookApp.port = 8888\nc.NotebookApp.port_retries = 0\nc.NotebookApp.open_browser = False\n" "$token" > "$config")
  fi
  answers() { curl -sf -o /dev/null -H "Authorization: token $token" http://127.0.0.1:8888/api/status; }
  if answers; then
    [ "$mode" = nowait ] || printf 'reused=1\ntoken=%s\n' "$token"
    return 0
  fi
  pid=$(cat "$pid_file" 2>/dev/null || true)
  if [ -z "$pid" ] || ! grep -q notebook "/proc/$pid/cmdline" 2>/dev/null; then
    if [ -x ~/d2l/bin/python ]; then python=~/d2l/bin/python
    elif [ -x ~/miniconda3/envs/d2l/bin/python ]; then python=~/miniconda3/envs/d2l/bin/python
    else python=python3; fi
    # A simple command in the background (no subshell): $! is the server itself, and
    # nothing but the server holds the session's output open.
    cd ~/notebooks || return 1
    nohup setsid "$python" -m notebook --config="$config" > ~/.gpubox/jupyter.log 2>&1 < /dev/null &
    echo $! > "$pid_file"
    cd - > /dev/null || return 1
  fi
  [ "$mode" = nowait ] && return 0
  for _ in $(seq 600); do answers && break; sleep 0.05; done
  answers || { tail -n 5 ~/.gpubox/jupyter.log >&2; return 1; }
  printf 'reused=0\ntoken=%s\n' "$token"
}
