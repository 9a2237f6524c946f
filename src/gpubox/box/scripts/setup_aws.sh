# gpubox setup for a box on AWS, as the book's chapter does it by hand: the NVIDIA driver and
# CUDA (present on a Deep Learning AMI; installed on plain Ubuntu), Miniconda and a d2l
# environment, the framework's GPU build matching the installed CUDA, the d2l package, the
# book's notebooks, and a GPU check. Inputs (environment): GPUBOX_FRAMEWORK
# (pytorch|mxnet|tensorflow|jax), GPUBOX_NOTEBOOKS_URL or GPUBOX_NOTEBOOKS_DIR (optional).
# The prelude (phases.sh) comes first.
CONDA="${HOME}/miniconda3"
NOTEBOOKS="${HOME}/notebooks"
FRAMEWORK="${GPUBOX_FRAMEWORK:-pytorch}"
D2L_VERSION="1.0.3"

phase_driver() {
  if command -v nvidia-smi > /dev/null 2>&1 && nvidia-smi > /dev/null 2>&1; then
    nvidia-smi
    return 0
  fi
  # Plain Ubuntu: NVIDIA's CUDA repository, then the driver and toolkit (the book's steps).
  need_internet developer.download.nvidia.com
  local distro
  distro="ubuntu$(sed -n 's/^VERSION_ID="\{0,1\}\([0-9.]*\)"\{0,1\}$/\1/p' /etc/os-release | tr -d .)"
  net_retry wget -nv "https://developer.download.nvidia.com/compute/cuda/repos/${distro}/x86_64/cuda-keyring_1.1-1_all.deb"
  sudo dpkg -i cuda-keyring_1.1-1_all.deb
  rm -f cuda-keyring_1.1-1_all.deb
  net_retry sudo apt-get update -q
  net_retry sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q cuda-drivers cuda-toolkit-12-4
  sudo modprobe nvidia || true
  nvidia-smi
}

cuda_version() {  # "12.4" from nvidia-smi's header
  nvidia-smi | sed -n 's/.*CUDA Version: \([0-9]*\.[0-9]*\).*/\1/p' | head -n 1
}

phase_conda() {
  need_internet repo.anaconda.com
  if [ ! -x "${CONDA}/bin/conda" ]; then
    net_retry wget -nv https://repo.anaconda.com/miniconda/Miniconda3-latest-Linux-x86_64.sh -O /tmp/miniconda.sh
    bash /tmp/miniconda.sh -b -p "${CONDA}"
    rm -f /tmp/miniconda.sh
  fi
  net_retry "${CONDA}/bin/conda" create -y -q -n d2l python=3.9 pip
  "${CONDA}/bin/conda" init bash > /dev/null
}

pip_d2l() { net_retry "${CONDA}/envs/d2l/bin/pip" install -q "$@"; }

phase_framework() {
  local cuda tag
  cuda=$(cuda_version)
  tag="cu$(echo "${cuda}" | tr -d . | cut -c1-3)"
  echo "CUDA ${cuda} (${tag}); framework ${FRAMEWORK}"
  if [ "${FRAMEWORK}" = pytorch ]; then need_internet download.pytorch.org; else need_internet pypi.org; fi
  case "${FRAMEWORK}" in
    pytorch)
      case "${tag}" in
        cu11*) tag=cu118 ;;
        cu120 | cu121 | cu122 | cu123) tag=cu121 ;;
        *) tag=cu124 ;;
      esac
      pip_d2l torch torchvision --index-url "https://download.pytorch.org/whl/${tag}" ;;
    mxnet)
      echo "note: Apache MXNet is retired (the book still uses it); installing mxnet-cu112"
      pip_d2l mxnet-cu112==1.9.1 ;;
    tensorflow) pip_d2l "tensorflow[and-cuda]" tensorflow-probability ;;
    jax) pip_d2l "jax[cuda12]" flax ;;
    *) echo "unknown framework ${FRAMEWORK}"; return 1 ;;
  esac
}

phase_d2l() {
  need_internet pypi.org
  pip_d2l "d2l==${D2L_VERSION}" jupyter
}

phase_notebooks() {
  mkdir -p "${NOTEBOOKS}"
  if [ -n "${GPUBOX_NOTEBOOKS_DIR:-}" ]; then
    cp -r "$(notebooks_source)/." "${NOTEBOOKS}/"
    return 0
  fi
  local url="${GPUBOX_NOTEBOOKS_URL:-https://d2l.ai/d2l-en-${D2L_VERSION}.zip}" host
  host=${url#*://}
  need_internet "${host%%[/:]*}"
  net_retry wget -nv "${url}" -O /tmp/notebooks.zip
  command -v unzip > /dev/null || net_retry sudo apt-get install -y -qq unzip
  unzip -q -o /tmp/notebooks.zip -d /tmp/d2l-notebooks
  if [ -d "/tmp/d2l-notebooks/${FRAMEWORK}" ]; then
    cp -r "/tmp/d2l-notebooks/${FRAMEWORK}/." "${NOTEBOOKS}/"
  else
    cp -r /tmp/d2l-notebooks/. "${NOTEBOOKS}/"
  fi
  rm -rf /tmp/notebooks.zip /tmp/d2l-notebooks
}

phase_gpu_check() {
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
  local python="${CONDA}/envs/d2l/bin/python"
  case "${FRAMEWORK}" in
    pytorch) "${python}" -c 'import torch; x = torch.zeros((1024, 1024), device="cuda"); print(x.device)' ;;
    mxnet) "${python}" -c 'from mxnet import np, npx; npx.set_np(); print(np.zeros((1024, 1024), ctx=npx.gpu()).ctx)' ;;
    tensorflow) "${python}" -c 'import tensorflow as tf; print(tf.config.list_physical_devices("GPU")); print(tf.zeros((1024, 1024)).device)' ;;
    jax) "${python}" -c 'import jax, jax.numpy as jnp; print(jnp.zeros((1024, 1024)).devices())' ;;
  esac
}

run_phase driver phase_driver
run_phase conda phase_conda
run_phase framework phase_framework
run_phase d2l phase_d2l
# Jupyter (installed by the d2l phase) boots in the background while the rest runs.
gpubox_jupyter nowait
run_phase notebooks phase_notebooks
run_phase gpu-check phase_gpu_check
run_phase agent phase_agent
[ -n "${GPUBOX_ONLY_PHASE:-}" ] || echo "gpubox-setup complete"
