#!/usr/bin/env bash
# Open the notebooks by hand: start JupyterLab if it is installed, else Jupyter Notebook, in
# notebooks/, with the project's own tslab kernel (kernels/tslab) found through JUPYTER_PATH, so
# no `tslab install` is needed. Extra arguments go to Jupyter (e.g. --no-browser --port 8890).
# The notebooks read ANIME_GAN_PRESET (smoke|quick|workstation|paper, default quick) and DATA_ROOT from the
# environment, e.g.  ANIME_GAN_PRESET=smoke DATA_ROOT=/path/to/data scripts/jupyter.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export JUPYTER_PATH="$root${JUPYTER_PATH:+:$JUPYTER_PATH}"
# ANIME_GAN_FIGURES is left to the library: figures/ by default, runs/figures-smoke for the smoke preset.
if [[ ! -f "$root/dist/lib/index.js" || ! -e "$root/node_modules/anime-gan-workbook" ]]; then
  echo "jupyter.sh: building the library (npm run build) and linking it for the notebooks"
  (cd "$root" && npm run build --silent && node scripts/link-self.js)
fi
# The kernels start in notebooks/: a relative DATA_ROOT must mean the folder it named here.
if [[ -n "${DATA_ROOT:-}" ]]; then DATA_ROOT="$(cd "$DATA_ROOT" && pwd)" || { echo "jupyter.sh: DATA_ROOT=$DATA_ROOT is not a folder" >&2; exit 1; }; export DATA_ROOT; fi
py=/usr/bin/python3; [[ -x $py ]] || py=python3
cd "$root/notebooks"
extra=()
[[ $(id -u) -eq 0 ]] && extra+=(--allow-root)   # containers often run as root; Jupyter refuses otherwise
if "$py" -c 'import jupyterlab' 2>/dev/null; then
  exec "$py" -m jupyterlab "${extra[@]}" "$@"
elif "$py" -c 'import notebook' 2>/dev/null; then
  exec "$py" -m notebook "${extra[@]}" "$@"
else
  echo "jupyter.sh: neither JupyterLab nor Jupyter Notebook is installed; run scripts/setup.sh" >&2
  exit 1
fi
