#!/usr/bin/env bash
# Regenerate storage_pb2.py, storage_pb2.pyi and storage_pb2_grpc.py from storage.proto.
# Run from anywhere; uses the repo's .venv (grpcio-tools).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
cd "$here"
"$python" -m grpc_tools.protoc -I. --python_out=. --pyi_out=. --grpc_python_out=. storage.proto
# protoc emits a top-level import; the package lives at storage.proto.
sed -i 's/^import storage_pb2 as storage__pb2$/from storage.proto import storage_pb2 as storage__pb2/' \
  storage_pb2_grpc.py
