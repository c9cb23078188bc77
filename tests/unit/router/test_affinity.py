"""Affinity placement: the sessions of one application share a node."""

from router.affinity import AffinityPicker, group_of

A, B, C = ("h", 1), ("h", 2), ("h", 3)
PGBENCH = {"user": "strata", "database": "strata", "application_name": "pgbench"}
PSQL = {"user": "strata", "database": "strata", "application_name": "psql"}


def test_sessions_of_one_application_share_a_node():
    p = AffinityPicker([A, B])
    first = p.pick(PGBENCH)
    assert [p.pick(PGBENCH) for _ in range(8)] == [first] * 8


def test_different_applications_spread_over_the_nodes():
    p = AffinityPicker([A, B, C])
    homes = {p.pick(PGBENCH), p.pick(PSQL), p.pick({**PSQL, "database": "other"})}
    assert homes == {A, B, C}


def test_ungrouped_sessions_go_round_robin():
    p = AffinityPicker([A, B])
    assert group_of({"user": "u"}) is None
    assert [p.pick({"user": "u"}) for _ in range(4)] == [A, B, A, B]


def test_a_group_follows_its_home_when_the_home_fails():
    p = AffinityPicker([A, B])
    home = p.pick(PGBENCH)
    other = B if home == A else A
    assert p.pick(PGBENCH, {home}) == other
    assert p.pick(PGBENCH) == other  # the group moved with the answering node
    assert p.pick(PGBENCH, {A, B}) is None

