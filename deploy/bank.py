"""The drill's bank: tables, a transfer load through the router, the checker.

Owns the workload of `strata drill` (deploy/drill.py) and its verification.

    drill_accounts(id int primary key, balance bigint not null)
    drill_history(id bigint primary key, src int, dst int, amount int)

Client ``i`` owns accounts ``[i*64, i*64+64)`` (one range page, compute/buckets.py
RANGE_SPAN) and history ids ``[(i+1)*2**32, (i+2)*2**32)`` (64-aligned, so its
history pages are its own too).  A transfer moves ``amount`` between two accounts
of the client's block and inserts its history row, in one transaction:

    BEGIN; UPDATE src -amount; UPDATE dst +amount; INSERT history; COMMIT

so the pages a client touches are owned by the node its connection is on.  A
broken connection is reopened through the router and the client carries on
with the same block.  Each attempt is one ``Txn`` event (unix times, the clock
the compute nodes' reports use).  Outcomes: ``ok`` (COMMIT returned: the
transfer is acknowledged), ``retry`` (40P01 deadlock/wound: not an error of the
drill), ``error`` (failed before COMMIT: not committed), ``in_doubt`` (COMMIT
itself failed: may or may not be there), ``connect_error``.

Invariants checked by ``verify``: every account row exists; the total equals
64 * INITIAL per account row and each client's block still sums to what it
held when the client started; every acknowledged transfer is in history with
its src/dst/amount; every balance equals INITIAL + transfers in - transfers out
(the ledger: no history row without its balance change and vice versa).
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import psycopg

BLOCK = 64  # compute/buckets.py RANGE_SPAN: one client's accounts are one page
INITIAL = 1000
HISTORY_SPAN = 2 ** 32
DEADLOCK = "40P01"
ERRORS = ("error", "in_doubt", "connect_error")
DDL = ["CREATE TABLE IF NOT EXISTS drill_accounts (id int primary key, balance bigint not null)",
       "CREATE TABLE IF NOT EXISTS drill_history "
       "(id bigint primary key, src int, dst int, amount int)"]
UPDATE = "UPDATE drill_accounts SET balance = balance + %s WHERE id = %s"
INSERT = "INSERT INTO drill_history VALUES (%s, %s, %s, %s)"
CONNECT_TIMEOUT_S = 5


def account_block(client: int) -> range:
    return range(client * BLOCK, (client + 1) * BLOCK)


def history_range(client: int) -> tuple[int, int]:
    return (client + 1) * HISTORY_SPAN, (client + 2) * HISTORY_SPAN


@dataclass(frozen=True)
class Txn:
    client: int
    node: int | None     # node of the connection (strata_node_id)
    opened_at: float     # when that connection was opened
    start: float
    end: float
    outcome: str         # ok | retry | error | in_doubt | connect_error
    sqlstate: str | None = None


@dataclass
class BankClient:
    index: int
    dsn: str
    stop: threading.Event
    events: list[Txn]
    seed: int = 0
    node: int | None = None
    opened_at: float = 0.0
    start_sum: int | None = None
    acked: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    conn: psycopg.Connection | None = None
    next_hid: int | None = None

    def run(self) -> None:
        rng = random.Random(self.seed * 1_000_003 + self.index)
        while not self.stop.is_set():
            if self.conn is None and not self.open():
                self.stop.wait(0.1)
                continue
            self.transfer(rng)
        self.close()

    def open(self) -> bool:
        start = time.time()
        try:
            conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            self.events.append(Txn(self.index, None, start, start, time.time(),
                                   "connect_error", getattr(exc, "sqlstate", None)))
            return False
        node = conn.info.parameter_status("strata_node_id")
        self.conn, self.node, self.opened_at = conn, int(node) if node else None, time.time()
        try:
            self.prepare(conn)
        except psycopg.Error as exc:
            self.events.append(Txn(self.index, self.node, self.opened_at, start, time.time(),
                                   "connect_error", getattr(exc, "sqlstate", None)))
            self.close()
            return False
        return True

    def prepare(self, conn: psycopg.Connection) -> None:
        """Load the block if absent, note its sum once, find the next history id."""
        block = account_block(self.index)
        count, total = conn.execute(
            "SELECT count(*), sum(balance) FROM drill_accounts WHERE id >= %s AND id < %s",
            (block.start, block.stop)).fetchone()
        if count < BLOCK:
            have = {r[0] for r in conn.execute(
                "SELECT id FROM drill_accounts WHERE id >= %s AND id < %s",
                (block.start, block.stop)).fetchall()}
            new = [acc for acc in block if acc not in have]
            values = ", ".join(["(%s, %s)"] * len(new))
            args = [x for acc in new for x in (acc, INITIAL)]
            conn.execute(f"INSERT INTO drill_accounts VALUES {values}", args)
            total = int(total or 0) + INITIAL * len(new)
        if self.start_sum is None:
            self.start_sum = int(total)
        lo, hi = history_range(self.index)
        last = conn.execute("SELECT id FROM drill_history WHERE id >= %s AND id < %s "
                            "ORDER BY id DESC LIMIT 1", (lo, hi)).fetchone()
        self.next_hid = max(lo if last is None else last[0] + 1, self.next_hid or lo)

    def transfer(self, rng: random.Random) -> None:
        src, dst = rng.sample(account_block(self.index), 2)
        amount, hid = rng.randint(1, 100), self.next_hid
        self.next_hid += 1
        conn, start, step = self.conn, time.time(), "body"
        try:
            conn.execute("BEGIN")
            conn.execute(UPDATE, (-amount, src))
            conn.execute(UPDATE, (amount, dst))
            conn.execute(INSERT, (hid, src, dst, amount))
            step = "commit"
            conn.execute("COMMIT")
        except psycopg.Error as exc:
            deadlock = getattr(exc, "sqlstate", None) == DEADLOCK
            self.failed(start, "retry" if deadlock else
                        "in_doubt" if step == "commit" else "error", exc)
            return
        self.acked[hid] = (src, dst, amount)
        self.events.append(Txn(self.index, self.node, self.opened_at, start, time.time(), "ok"))

    def failed(self, start: float, outcome: str, exc: psycopg.Error) -> None:
        self.events.append(Txn(self.index, self.node, self.opened_at, start, time.time(),
                               outcome, getattr(exc, "sqlstate", None)))
        conn = self.conn
        if conn is not None and not conn.closed and not conn.broken:
            try:
                conn.execute("ROLLBACK")
                if outcome != "retry":
                    self.stop.wait(0.02)  # do not spin on a node that refuses everything
                return
            except psycopg.Error:
                pass
        self.close()
        self.stop.wait(0.05)

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a dead connection may fail any way
                pass

    def kick(self) -> None:
        """Unblock a client stuck on a hung node (SIGSTOPped, storage down): shut its socket."""
        conn = self.conn
        try:
            fd = os.dup(conn.pgconn.socket)
        except (AttributeError, OSError, psycopg.Error):
            return
        with socket.socket(fileno=fd) as sock:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class BankLoad:
    """``clients`` BankClients on threads, all through the router at ``dsn``."""

    def __init__(self, dsn: str, clients: int, seed: int = 0) -> None:
        self.dsn = dsn
        self.stop_event = threading.Event()
        self.events: list[Txn] = []  # list.append is atomic under the GIL
        self.clients = [BankClient(i, dsn, self.stop_event, self.events, seed)
                        for i in range(clients)]
        self.threads = [threading.Thread(target=c.run, name=f"bank-{c.index}", daemon=True)
                        for c in self.clients]

    def create_tables(self, timeout_s: float = 60.0) -> None:
        def create() -> None:
            with psycopg.connect(self.dsn, autocommit=True,
                                 connect_timeout=CONNECT_TIMEOUT_S) as conn:
                for ddl in DDL:
                    conn.execute(ddl)
        retry(create, timeout_s)

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def wait_all_committed(self, since: float, timeout_s: float) -> bool:
        """Until every client committed a transfer that started after ``since``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            done = {e.client for e in list(self.events) if e.outcome == "ok" and e.start >= since}
            if len(done) == len(self.clients):
                return True
            time.sleep(0.05)
        return False

    def wait_recovered(self, since: float, quiet_s: float, timeout_s: float) -> float | None:
        """Until every client committed a transfer started after ``since`` and after its
        own last error, and no client saw an error for ``quiet_s``; the time, or None."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            now = time.time()
            events = list(self.events)
            last_error = {e.client: e.end for e in events if e.outcome in ERRORS}
            done = {e.client for e in events if e.outcome == "ok"
                    and e.start >= max(since, last_error.get(e.client, 0.0))}
            quiet = now - max(last_error.values(), default=0.0) >= quiet_s
            if len(done) == len(self.clients) and quiet and now - since >= quiet_s:
                return now
            time.sleep(0.05)
        return None

    def nodes(self) -> dict[int, int | None]:
        """Client index -> node its connection is on now (None: not connected)."""
        return {c.index: c.node if c.conn is not None else None for c in self.clients}

    def stop(self, grace_s: float = 10.0) -> None:
        self.stop_event.set()
        deadline = time.monotonic() + grace_s
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        for c, t in zip(self.clients, self.threads, strict=True):
            if t.is_alive():
                c.kick()
                t.join(5.0)

    def acked(self) -> dict[int, tuple[int, int, int]]:
        return {hid: row for c in self.clients for hid, row in c.acked.items()}

    def start_sums(self) -> dict[int, int | None]:
        return {c.index: c.start_sum for c in self.clients}


def retry(fn, timeout_s: float, pause_s: float = 0.3):
    """``fn()`` until it does not raise psycopg.Error, at most ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return fn()
        except psycopg.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(pause_s)


def read_bank(dsn: str, timeout_s: float = 60.0) -> tuple[dict, dict]:
    """(accounts id -> balance, history id -> (src, dst, amount)) through the router."""
    def read() -> tuple[dict, dict]:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as conn:
            accounts = dict(conn.execute("SELECT id, balance FROM drill_accounts").fetchall())
            history = {r[0]: (r[1], r[2], r[3]) for r in
                       conn.execute("SELECT id, src, dst, amount FROM drill_history").fetchall()}
        return accounts, history
    return retry(read, timeout_s)


def check(accounts: dict, history: dict, acked: dict, start_sums: dict) -> dict:
    """The drill's invariants over what was read back; ``ok`` is their conjunction."""
    total = sum(int(b) for b in accounts.values())
    missing_accounts = [i for c in start_sums for i in account_block(c) if i not in accounts]
    block_sums = {c: sum(int(accounts.get(i, 0)) for i in account_block(c)) for c in start_sums}
    moved_blocks = [c for c, s in start_sums.items() if s is not None and block_sums[c] != s]
    lost = [hid for hid, row in acked.items() if history.get(hid) != tuple(row)]
    delta: dict[int, int] = defaultdict(int)
    for src, dst, amount in history.values():
        delta[src] -= amount
        delta[dst] += amount
    ledger = [i for i, b in accounts.items() if int(b) != INITIAL + delta.get(i, 0)]
    ledger += [i for i in delta if i not in accounts]
    result = {
        "accounts": len(accounts), "history_rows": len(history), "acked": len(acked),
        "total_expected": INITIAL * len(accounts), "total_after": total,
        "total_unchanged": total == INITIAL * len(accounts) and not moved_blocks,
        "blocks_changed_sum": moved_blocks[:10],
        "missing_accounts": len(missing_accounts),
        "acked_missing": len(lost), "acked_missing_sample": lost[:10],
        "all_acked_present": not lost,
        "ledger_mismatches": len(ledger), "ledger_mismatch_sample": ledger[:10],
    }
    result["ok"] = (result["total_unchanged"] and result["all_acked_present"]
                    and not missing_accounts and not ledger)
    return result


def verify(dsn: str, load: BankLoad, timeout_s: float = 60.0) -> dict:
    accounts, history = read_bank(dsn, timeout_s)
    return check(accounts, history, load.acked(), load.start_sums())
