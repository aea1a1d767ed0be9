#!/usr/bin/env bash
# Builds examples/latency_tick_store_integration.cpp against the Arrow C++ library inside the
# pyarrow wheel, with nlohmann-json from Debian (nlohmann-json3-dev).
#
# Usage: examples/build_cpp.sh [OUTPUT_DIR]   (default: build/)
# Env:   PYTHON (the interpreter whose pyarrow to link; default .venv/bin/python, else python3)
#        CXX (default g++)
# Prints the binary's path. Rebuilds only when the source, this script or libarrow is newer.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
out="${1:-build}"
src="$here/latency_tick_store_integration.cpp"
binary="$out/latency_tick_store_integration"
cxx="${CXX:-g++}"

die() { echo "build_cpp.sh: $*" >&2; exit 1; }

if [ -n "${PYTHON:-}" ]; then python="$PYTHON"
elif [ -x "$root/.venv/bin/python" ]; then python="$root/.venv/bin/python"
else python=python3
fi

command -v "$cxx" >/dev/null ||
    die "no C++ compiler '$cxx' on PATH: apt-get install -y --no-install-recommends g++"
json_flags="$(pkg-config --cflags nlohmann_json 2>/dev/null || true)"
# shellcheck disable=SC2086
echo '#include <nlohmann/json.hpp>' |
    "$cxx" -std=c++20 $json_flags -x c++ -fsyntax-only - 2>/dev/null ||
    die "nlohmann/json.hpp not found: apt-get install -y --no-install-recommends nlohmann-json3-dev"

# The wheel ships only versioned libraries (libarrow.so.2600, no libarrow.so): link that file by
# path (its SONAME is what the binary records) and find it at run time through an rpath.
read -r include libdir < <("$python" -c '
import pyarrow
print(pyarrow.get_include(), pyarrow.get_library_dirs()[0])' 2>/dev/null) ||
    die "'$python' cannot import pyarrow: $python -m pip install pyarrow (or set PYTHON)"
libarrow="$(find "$libdir" -maxdepth 1 -name 'libarrow.so.[0-9]*' | sort | head -n 1)"
[ -n "$libarrow" ] || die "no libarrow.so.* in $libdir"

if [ -x "$binary" ] && [ "$binary" -nt "$src" ] && [ "$binary" -nt "${BASH_SOURCE[0]}" ] &&
    [ "$binary" -nt "$libarrow" ]; then
    echo "$binary"
    exit 0
fi

# manylinux_2_28 wheels are built with the new libstdc++ ABI, manylinux2014 ones with the old:
# std::string in Arrow's API must mean the same type on both sides, so follow the library.
# (grep -c, not grep -q: -q would stop reading early and pipefail would see nm's SIGPIPE.)
command -v nm >/dev/null || die "nm not found: apt-get install -y --no-install-recommends binutils"
if [ "$(nm -D --defined-only "$libarrow" | grep -c '__cxx11')" -gt 0 ]; then abi=1; else abi=0; fi

mkdir -p "$out"
# shellcheck disable=SC2086
"$cxx" -std=c++20 -O2 -Wall -Wextra -D_GLIBCXX_USE_CXX11_ABI="$abi" \
    -isystem "$include" $json_flags "$src" "$libarrow" -Wl,-rpath,"$libdir" -o "$binary.tmp"
mv -f "$binary.tmp" "$binary"
echo "$binary"
