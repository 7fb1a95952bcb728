#!/usr/bin/env bash
# Yunying (云影) — set-up and entry point on Debian 12.
#
#   ./run.sh demo   install everything, then open the built-in demo study (screenshot when headless)
#   ./run.sh test   install everything, start what the tests need, run the whole test suite
#
# Both are idempotent: system packages and the virtual environment are installed only when missing
# or when requirements.lock changed.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV="$ROOT/.venv"

APT_PACKAGES=(
  python3 python3-venv python3-dev          # the interpreter and venv
  xvfb xauth                                # a virtual display for headless runs and GUI tests
  libosmesa6 libegl1 libgl1 libglu1-mesa    # offscreen OpenGL for VTK (Mesa llvmpipe)
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-render-util0 libxcb-image0 libdbus-1-3 libfontconfig1  # Qt's xcb platform plugin
  fonts-noto-cjk                            # Chinese text in the UI and overlays
  dicom3tools                               # dciodvfy: validates every generated DICOM object
  dcmtk                                     # dcmpschk, storescu, findscu: independent peers and validators
  orthanc orthanc-dicomweb                  # the DICOMweb server behind devcloud and its tests
  curl
  msitools wixl desktop-file-utils          # installer checks: the MSI built with wixl, .desktop
)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_system() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

install_python() {
  local want have=""
  want=$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)
  [ -f "$VENV/.installed" ] && have=$(cat "$VENV/.installed")
  if [ "$want" != "$have" ]; then
    echo "==> creating the Python environment in .venv (pinned by requirements.lock)"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --require-hashes -r requirements.lock
    "$VENV/bin/python" -m pip install -q --no-deps -e .
    echo "$want" > "$VENV/.installed"
  fi
}

with_display() {
  # a real display is used when there is one; otherwise a virtual one
  if [ -n "${DISPLAY:-}" ]; then "$@"; else xvfb-run -a -s "-screen 0 1920x1080x24" "$@"; fi
}

cmd=${1:-}
shift || true
case "$cmd" in
  demo)
    install_system
    install_python
    mkdir -p out/demo
    if [ -n "${DISPLAY:-}" ]; then
      "$VENV/bin/yunying" --demo "$@"            # the workstation window on the demo study
    else
      # no display: the same window under a virtual one, proven by a screenshot
      with_display "$VENV/bin/yunying" --demo --screenshot out/demo/yunying-demo.png "$@"
    fi
    ;;
  test)
    install_system
    install_python
    with_display "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: ./run.sh demo | ./run.sh test [pytest arguments]" >&2
    exit 2
    ;;
esac
