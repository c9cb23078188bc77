"""A real ``python -m storage`` process behind GrpcStorage: durability across
kill -9, fencing over the wire, and an unreachable node."""

import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from storage.api import FencedError, LogRecord, LsnError, StorageTimeout, StorageUnavailable
from storage.grpc_client import GrpcStorage
from storage.page_format import PageDelta, decode_page, encode_record

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^storage listening on (\S+):(\d+)$")


class StorageProcess:
    """One storage node process on a free loopback port."""

    def __init__(self, data_dir: Path):
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "storage",
                "--data-dir",
                str(data_dir),
                "--host",
                "127.0.0.1",
                "--port",
                "0",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self._first_line(timeout_s=15)
        match = LINE.match(line)
        assert match, f"unexpected first line {line!r}"
        self.address = f"{match[1]}:{match[2]}"
        self.client = GrpcStorage(self.address)

    def _first_line(self, timeout_s: float) -> str:
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(self.proc.stdout.readline()))
        reader.start()
        reader.join(timeout_s)
        assert lines, "storage process did not start in time"
        return lines[0].rstrip("\n")

    def kill(self, sig=signal.SIGKILL) -> int:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=10)


@pytest.fixture
def start(tmp_path):
    started: list[StorageProcess] = []

    def _start(data_dir: Path = tmp_path / "node") -> StorageProcess:
        started.append(StorageProcess(data_dir))
        return started[-1]

    yield _start
    for p in started:
        p.kill()


def txn(lsn: int, stream: int) -> LogRecord:
    """Record ``lsn`` of ``stream``: version ``lsn`` of page (30, stream) adds row (lsn,)."""
    return LogRecord(lsn, encode_record([PageDelta((30, stream), lsn, (((lsn,), (stream, lsn)),))]))


def test_acknowledged_records_and_pages_survive_kill_9(start):
    node = start()
    storage = node.client
    acked = {}
    for sid in (1, 2):
        epoch = storage.open_stream(sid).epoch
        for first in range(1, 41, 10):
            recs = [txn(lsn, sid) for lsn in range(first, first + 10)]
            assert storage.append(sid, epoch, recs) == first + 9
            acked.setdefault(sid, []).extend(recs)
    assert storage.get_page((30, 1), 40, catch_up=True, timeout_s=10).version == 40
    assert node.kill() == -signal.SIGKILL

    again = start().client
    for sid in (1, 2):
        state = again.stream_state(sid)
        assert (state.epoch, state.last_lsn) == (1, 40)
        assert again.read_stream(sid, 1, 1000) == acked[sid]
        image = again.get_page((30, sid), 40, catch_up=True, timeout_s=10)
        page = decode_page(image.data)
        assert image.version == page.version == 40
        assert page.rows == {(lsn,): (sid, lsn) for lsn in range(1, 41)}
    assert again.list_pages(30) == [(30, 1), (30, 2)]
    assert again.open_stream(1).epoch == 2


def test_errors_cross_the_wire(start):
    storage = start().client
    storage.ping()
    old = storage.open_stream(5).epoch
    storage.append(5, old, [txn(1, 5)])
    assert storage.fence_stream(5, if_epoch=old + 7).epoch == old  # not that epoch: no-op
    new = storage.fence_stream(5, if_epoch=old).epoch
    assert new == old + 1
    with pytest.raises(FencedError):
        storage.append(5, old, [txn(2, 5)])
    with pytest.raises(LsnError):
        storage.append(5, new, [txn(3, 5)])
    with pytest.raises(StorageTimeout):
        storage.get_page((30, 5), 9, timeout_s=0.2)
    assert storage.append(5, new, [txn(2, 5)]) == 2


def test_stopped_server_is_unavailable(start):
    node = start()
    node.client.ping()
    assert node.kill(signal.SIGTERM) == 0
    client = GrpcStorage(node.address)
    try:
        with pytest.raises(StorageUnavailable):
            client.stream_state(1)
        with pytest.raises(StorageUnavailable):
            client.ping()
    finally:
        client.close()


def test_sigterm_closes_the_database_for_the_next_process(start):
    node = start()
    node.client.open_stream(1)
    assert node.kill(signal.SIGTERM) == 0
    assert start().client.stream_state(1).epoch == 1
