#!/usr/bin/env bash
# Installs the Debian packages Coroscope needs to build, run and test.
# Checks each with dpkg first, so a second run is fast and touches nothing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  qt6-base-dev qt6-declarative-dev qt6-declarative-dev-tools qcoro-qt6-dev catch2
  qml6-module-qtqml qml6-module-qtquick qml6-module-qtqml-models qml6-module-qtquick-controls
  qml6-module-qtquick-layouts qml6-module-qtquick-templates qml6-module-qtquick-window
  qml6-module-qtquick-dialogs qml6-module-qtqml-workerscript qml6-module-qttest
  qml6-module-qtcore qml6-module-qt-labs-platform qml6-module-qt-labs-folderlistmodel
  xvfb xauth python3 time
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
