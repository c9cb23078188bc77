#!/usr/bin/env bash
# Install what the tests need (system packages, a virtualenv with the project and
# its test extras) and run the whole suite.  Works on a fresh Debian machine with
# Python 3.11; as root it installs system packages with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/bootstrap.sh
strata_bootstrap test
set +e
.venv/bin/python -m pytest -p no:cacheprovider -q -ra "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$rc"
