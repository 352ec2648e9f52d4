#!/usr/bin/env bash
# Installs aelab for the current user the way Debian looks for user programs, without root:
#   ~/.local/bin/aelab -> <build>/src/cli/aelab     (Debian's ~/.profile puts ~/.local/bin on
#                                                   PATH; an existing file is left alone)
#   ${BASH_COMPLETION_USER_DIR:-${XDG_DATA_HOME:-~/.local/share}/bash-completion}/completions/aelab
#                                                   (bash-completion loads it on the first Tab)
#   ${XDG_DATA_HOME:-~/.local/share}/man/man1/aelab.1  (`man aelab`: man-db maps ~/.local/bin
#                                                   on PATH to ~/.local/share/man)
# The completion and the man page come from the built program (src/cli/CMakeLists.txt:
# build/share/...). Usage: scripts/install_completion.sh [build dir]. Called by setup.sh.
# A system-wide install is `cmake --install build` (prefix /usr/local) instead.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
binary="$build/src/cli/aelab"
if [ ! -x "$binary" ]; then
  echo "install_completion: $binary not built; run scripts/setup.sh first" >&2
  exit 1
fi
binary=$(realpath "$binary")
completion="$build/share/bash-completion/completions/aelab"
if [ ! -f "$completion" ]; then  # setup.sh --target aelab builds the program only
  mkdir -p "$(dirname "$completion")"
  "$binary" completion bash > "$completion.tmp" && mv "$completion.tmp" "$completion"
fi
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
completions_dir=${BASH_COMPLETION_USER_DIR:-$data_home/bash-completion}/completions
mkdir -p "$completions_dir"
install -m 644 "$completion" "$completions_dir/aelab"
where="completion in $completions_dir/aelab"
if [ -f "$build/share/man/man1/aelab.1" ]; then
  mkdir -p "$data_home/man/man1"
  install -m 644 "$build/share/man/man1/aelab.1" "$data_home/man/man1/aelab.1"
  where="$where, man page in $data_home/man/man1/aelab.1"
fi
link="$HOME/.local/bin/aelab"
if [ ! -e "$link" ] || [ -L "$link" ]; then
  mkdir -p "$(dirname "$link")"
  ln -sfn "$binary" "$link"
  where="$where, $link -> $binary"
fi
echo "install_completion: $where" >&2
