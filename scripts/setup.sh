#!/usr/bin/env bash
# Set up everything the workbook needs on a fresh Debian machine (run as root, or with sudo):
#   - Debian packages: oneDNN and a compiler for the native backend, Jupyter's client for the
#     notebooks (nbclient), Jupyter Notebook for opening them by hand, and for the tests Chromium
#     (the browser test drives it through playwright-core; never `npx playwright install`) and
#     scipy (the reference of notebook 01's divergences);
#   - npm ci (builds the library, links it for the notebooks, builds the native addon if it can).
# Options: --bench also installs PyTorch, the peer that `npm run bench` measures against;
#          --slurm also installs Slurm and munge, for the tests that run the grid on a one-node
#          cluster (users submit to their cluster's own Slurm and do not need them).
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(g++ make python3 libdnnl-dev python3-nbclient python3-ipykernel jupyter-nbconvert jupyter-notebook python3-scipy chromium)
for opt in "$@"; do
  case "$opt" in
    --bench) pkgs+=(python3-torch python3-torchvision libopenblas0-pthread python3-numpy) ;;
    --slurm) pkgs+=(slurm-wlm munge) ;;
    *) echo "setup: unknown option $opt (known: --bench, --slurm)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "setup: npm ci"
npm ci --no-fund --no-audit
