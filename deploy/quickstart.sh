#!/usr/bin/env bash
# Install Strata into ./.venv and start a local cluster (Redis, one storage node,
# compute nodes, router) under ./data.  Prints the DSN to connect with psql.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/bootstrap.sh
strata_bootstrap run
exec .venv/bin/strata up --data-dir ./data --nodes "${STRATA_NODES:-3}" --port "${STRATA_PORT:-6432}"
