#!/usr/bin/env bash
# The MPR/3D benchmark on a real GPU (the "GPU machine"): EGL offscreen rendering, no X server,
# vtkGPUVolumeRayCastMapper for the 3D view. Needs the project's environment (./run.sh installs
# it as .venv; PYTHON=... to use another) and an NVIDIA driver with EGL.
#
#   bench/gpu_mpr3d.sh [--slices 500] [--frames 30]
#
# Prints the GPU's name, then bench.mpr3d's JSON lines (the last one is the summary).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
fi
unset DISPLAY
export VTK_DEFAULT_OPENGL_WINDOW=vtkEGLRenderWindow
exec "$PY" -m bench.mpr3d --gpu "$@"
