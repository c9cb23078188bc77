"""psql against Strata and against a real PostgreSQL 15, compared.

The same schema and rows go into a Strata cluster (``strata up``) and into a
throw-away PostgreSQL 15 (initdb with the C locale, superuser ``strata``,
database ``strata``: the names Strata reports, so owners need no rewriting).
Then psql 15 runs each meta-command against both and the outputs must be equal.

Normalisations, each because the two servers legitimately differ:

* ``\\l``: PostgreSQL also lists postgres, template0 and template1; Strata has
  one database.  Only the ``strata`` row is compared, cell by cell (column
  widths in psql's aligned output depend on the rows not compared).
* Nothing else is rewritten: ``\\dt``, ``\\d <table>``, ``\\di``, ``\\dv``, a query
  under ``\\x`` and files written by ``\\copy ... to`` must be byte-identical.

What Strata lacks is compared as it is: there are no secondary indexes or
views, so the schema has none; ``\\di`` lists the primary-key indexes and
``\\dv`` finds nothing on both servers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import pytest

from tests.integration.cluster import free_port

PG_BIN = "/usr/lib/postgresql/15/bin"
PSQL = shutil.which("psql")

SCHEMA = [
    "create table accounts (id integer primary key, name varchar(40) not null,"
    " balance numeric(12,2) default 0, created timestamp, flag boolean)",
    "create table order_lines (order_id bigint, line smallint, sku text not null,"
    " qty integer default 1, price double precision, note char(3), status text default 'new',"
    " primary key (order_id, line))",
    "create table audit_log (at timestamptz, message text)",
]
CSV = "1,alice,10.50,2024-01-02 03:04:05,t\n2,bob,,,f\n3,\"carol, jr\",-3.25,2023-12-31 23:59:59,\n"

pytestmark = pytest.mark.skipif(
    PSQL is None or not os.path.exists(f"{PG_BIN}/initdb"), reason="psql / PostgreSQL 15 not installed"
)


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL 15 on a free port: superuser and database ``strata``, C locale."""
    root = tempfile.mkdtemp(prefix="strata-pg15-")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data, port = os.path.join(root, "data"), free_port()
    subprocess.run(_as_postgres([f"{PG_BIN}/initdb", "-D", data, "-A", "trust", "-U", "strata",
                                 "--locale=C", "--encoding=UTF8"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([f"{PG_BIN}/pg_ctl", "-D", data, "-w", "-l", os.path.join(root, "log"),
                                 "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start"]),
                   check=True, capture_output=True)
    try:
        _psql(port, "-d", "postgres", "-c", "create database strata")
        yield port
    finally:
        subprocess.run(_as_postgres([f"{PG_BIN}/pg_ctl", "-D", data, "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _psql(port: int, *args: str) -> str:
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10", "PGTZ": "UTC", "PSQL_PAGER": "", "PAGER": ""}
    cmd = [PSQL, "-X", "-h", "127.0.0.1", "-p", str(port), "-U", "strata", "-d", "strata", *args]
    for attempt in range(5):
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
        if out.returncode == 0 or "could not connect" not in out.stderr or attempt == 4:
            break
        time.sleep(1)
    assert out.returncode == 0 and "ERROR" not in out.stderr, f"psql {args}: {out.stderr}"
    return out.stdout + out.stderr  # psql reports "Did not find any relations." on stderr


@pytest.fixture(scope="module")
def servers(cluster, postgres, tmp_path_factory):
    """{'strata': port, 'postgres': port}, both with the schema and the same rows."""
    src = tmp_path_factory.mktemp("copy") / "accounts.csv"
    src.write_text(CSV)
    ports = {"strata": cluster.port, "postgres": postgres}
    for port in ports.values():
        for stmt in SCHEMA:
            _psql(port, "-c", stmt)
        assert _psql(port, "-c", f"\\copy accounts from '{src}' csv") == "COPY 3\n"
        _psql(port, "-c", "insert into order_lines (order_id, line, sku, price) values (7, 1, 'A-1', 2.5)")
    return ports


def both(servers, *args: str) -> tuple[str, str]:
    return _psql(servers["strata"], *args), _psql(servers["postgres"], *args)


@pytest.mark.parametrize("command", [
    "\\dt", "\\d accounts", "\\d order_lines", "\\d audit_log", "\\di", "\\dv", "\\dt public.*",
    "\\d acc*",
])
def test_meta_command_output_matches_postgres(servers, command):
    strata, pg = both(servers, "-c", command)
    assert strata == pg


def test_dv_is_empty_on_both(servers):
    assert both(servers, "-c", "\\dv") == ("Did not find any relations.\n",) * 2


def _cells(table: str) -> dict[str, list[str]]:
    """psql aligned output -> {first cell: cells} for the data rows; header under ''."""
    lines = [ln for ln in table.splitlines() if "|" in ln]
    out = {"": [c.strip() for c in lines[0].split("|")]}
    for ln in lines[1:]:
        cells = [c.strip().rstrip("+").strip() for c in ln.split("|")]
        if cells[0]:
            out[cells[0]] = cells
    return out


def test_list_databases_matches_for_the_strata_row(servers):
    strata, pg = both(servers, "-c", "\\l")
    assert strata.splitlines()[0].strip() == pg.splitlines()[0].strip() == "List of databases"
    s, p = _cells(strata), _cells(pg)
    assert set(s) == {"", "strata"}
    assert s[""] == p[""]
    assert s["strata"] == p["strata"]


def test_expanded_query_output_matches(servers):
    strata, pg = both(servers, "-c", "\\x", "-c", "select * from accounts order by id")
    assert "-[ RECORD 3 ]" in strata
    assert strata == pg


def test_copy_to_matches_and_round_trips(servers, tmp_path):
    for name, port in servers.items():
        _psql(port, "-c", f"\\copy (select * from accounts order by id) to '{tmp_path / name}.csv' csv")
        _psql(port, "-c", f"\\copy accounts to '{tmp_path / name}.txt'")
    assert (tmp_path / "strata.csv").read_text() == (tmp_path / "postgres.csv").read_text() == CSV
    assert sorted((tmp_path / "strata.txt").read_text().splitlines()) == sorted(
        (tmp_path / "postgres.txt").read_text().splitlines())


def test_settings_clients_read(servers):
    q = ("select current_setting('server_version_num')::int / 10000, current_setting('standard_conforming_strings'),"
         " current_setting('client_encoding'), current_setting('DateStyle'), current_setting('TimeZone'),"
         " current_setting('max_identifier_length'), current_schema(), current_database()")
    strata, pg = both(servers, "-A", "-t", "-c", q)
    assert strata == pg == "15|on|UTF8|ISO, MDY|UTC|63|public|strata\n"
    strata, pg = both(servers, "-A", "-t", "-c", "show transaction_isolation")
    assert strata == pg
