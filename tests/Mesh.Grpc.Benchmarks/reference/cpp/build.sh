#!/usr/bin/env bash
# Builds the reference C++ gRPC server (bench_server.cc) against Debian's libgrpc++-dev.
#   tests/Mesh.Grpc.Benchmarks/reference/cpp/build.sh [OUT_DIR]
# OUT_DIR defaults to <repo>/.mesh/bench/cpp (never committed). Prints the binary's path on stdout.
# Installs libgrpc++-dev, protobuf-compiler-grpc, grpc-proto, pkg-config and g++ when missing (needs root).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../../.." && pwd)"
OUT="${1:-$ROOT/.mesh/bench/cpp}"
PROTO_ROOT=/usr/share/grpc-proto
PACKAGES=(libgrpc++-dev protobuf-compiler-grpc protobuf-compiler grpc-proto pkg-config g++)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: missing Debian packages: ${missing[*]} (run: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "build.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BIN="$OUT/bench_server"
GEN="$OUT/gen"
# Rebuild only when the source or this script changed.
if [ -x "$BIN" ] && [ "$BIN" -nt "$HERE/bench_server.cc" ] && [ "$BIN" -nt "$HERE/build.sh" ]; then
  echo "$BIN"; exit 0
fi

mkdir -p "$GEN"
protoc -I"$PROTO_ROOT" --cpp_out="$GEN" --grpc_out="$GEN" --plugin=protoc-gen-grpc="$(command -v grpc_cpp_plugin)" \
  grpc/testing/test.proto grpc/testing/messages.proto grpc/testing/empty.proto
# -O2, no debug asserts: the reference should be as fast as a normal release build of a C++ service.
g++ -std=c++17 -O2 -DNDEBUG -I"$GEN" -o "$BIN.tmp" \
  "$HERE/bench_server.cc" "$GEN"/grpc/testing/{test,messages,empty}.pb.cc "$GEN"/grpc/testing/test.grpc.pb.cc \
  $(pkg-config --cflags --libs grpc++ protobuf) -pthread >&2
mv "$BIN.tmp" "$BIN"
echo "$BIN"
