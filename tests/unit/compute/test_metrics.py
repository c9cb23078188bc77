"""The deadlock rule's aborts are counted once per transaction, by reason."""

import pytest
import trio

from compute.metrics import ABORTS
from compute.waits import Waiter
from sql.errors import SqlError


def count(reason: str) -> float:
    return ABORTS.labels(reason)._value.get()


def test_a_wounded_transaction_counts_once():
    before = count("wounded")
    w = Waiter(1)
    w.wound()
    for _ in range(3):
        with pytest.raises(SqlError):
            w.check()
    assert count("wounded") == before + 1


async def test_a_wait_that_times_out_counts_as_wait_timeout():
    before = count("wait_timeout")
    w = Waiter(1)
    with pytest.raises(SqlError) as e:
        with w.blocking(0.01, "a test lock"):
            await trio.sleep(1)
    assert e.value.sqlstate == "40P01"
    assert count("wait_timeout") == before + 1
