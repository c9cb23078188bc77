import pytest

from router.api import parse_address, parse_addresses
from router.picker import RoundRobinPicker

A, B, C = ("h", 1), ("h", 2), ("h", 3)


def test_round_robin_cycles():
    p = RoundRobinPicker([A, B, C])
    assert [p.pick({}) for _ in range(4)] == [A, B, C, A]


def test_excluded_nodes_are_skipped_and_none_when_all_excluded():
    p = RoundRobinPicker([A, B, C])
    assert p.pick({}, {A}) == B
    assert p.pick({}, {C}) == A
    assert p.pick({}, {A, B, C}) is None
    assert RoundRobinPicker([]).pick({}) is None


def test_parse_addresses():
    assert parse_addresses("127.0.0.1:5,localhost:6,") == [("127.0.0.1", 5), ("localhost", 6)]
    assert parse_address("[::1]:7") == ("::1", 7)
    for bad in ["nohost", ":5", "h:0", "h:x"]:
        with pytest.raises(ValueError):
            parse_address(bad)
