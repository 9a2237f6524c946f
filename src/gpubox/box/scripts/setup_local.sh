# gpubox setup for a box on the local cloud: the host's Debian python3-torch and Jupyter,
# a virtual environment that sees them, the sample notebook (or the user's), a device check.
# Inputs (environment): GPUBOX_FRAMEWORK (pytorch only here), GPUBOX_NOTEBOOKS_DIR (uploaded
# notebooks, optional). The prelude (phases.sh) comes first.
VENV="${HOME}/d2l"
NOTEBOOKS="${HOME}/notebooks"

phase_driver() {
  if command -v nvidia-smi > /dev/null 2>&1 && nvidia-smi > /dev/null 2>&1; then
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  else
    echo "no GPU on this host: CPU only"
  fi
}

phase_environment() {
  # No pip inside: the packages come from Debian, and ensurepip alone takes seconds.
  python3 -m venv --system-site-packages --without-pip "${VENV}"
  "${VENV}/bin/python" -c 'import sys; print("python", sys.version.split()[0])'
}

phase_framework() {
  if [ "${GPUBOX_FRAMEWORK:-pytorch}" != "pytorch" ]; then
    echo "the local cloud offers pytorch only (Debian's python3-torch), not ${GPUBOX_FRAMEWORK}"
    return 1
  fi
  # The metadata says which torch the environment sees without importing it (seconds);
  # gpu-check imports it for real.
  "${VENV}/bin/python" -c 'import importlib.metadata as m; print("torch", m.version("torch"))'
}

phase_notebooks() {
  mkdir -p "${NOTEBOOKS}"
  if [ -n "${GPUBOX_NOTEBOOKS_DIR:-}" ]; then
    cp -r "$(notebooks_source)/." "${NOTEBOOKS}/"
  fi
  ls "${NOTEBOOKS}"
}

phase_gpu_check() {
  "${VENV}/bin/python" - <<'PY'
import torch
device = "cuda" if torch.cuda.is_available() else "cpu"
x = torch.zeros((1024, 1024), device=device)
print("tensor on", x.device, "sum", float(x.sum()))
if device == "cpu":
    print("no GPU on this host: CPU only")
PY
}

run_phase driver phase_driver
run_phase environment phase_environment
# Jupyter boots in the background while the other phases run; `gpubox jupyter` finds it.
gpubox_jupyter nowait
run_phase framework phase_framework
run_phase notebooks phase_notebooks
run_phase gpu-check phase_gpu_check
run_phase agent phase_agent
[ -n "${GPUBOX_ONLY_PHASE:-}" ] || echo "gpubox-setup complete"
