import time


def test_incarnations_grow_and_are_never_reused(layer, register):
    a = register(1)
    b = register(1)
    assert b > a
    layer.membership.deregister(1, b)
    c = register(1)
    assert c > b
    layer.client.flushall()  # the memory layer lost every key (invariant 7)
    assert register(1) > c


def test_heartbeat_only_for_the_current_incarnation(layer, register):
    old = register(1)
    assert layer.membership.heartbeat(1, old, 10_000)
    new = register(1)
    assert not layer.membership.heartbeat(1, old, 10_000)
    assert layer.membership.heartbeat(1, new, 10_000)


def test_heartbeat_renews_the_lease(layer, register):
    inc = register(1, lease_ms=300)
    for _ in range(4):
        time.sleep(0.1)
        assert layer.membership.heartbeat(1, inc, 300)
    assert layer.membership.members()[1].live


def test_expired_lease_stays_dead(layer, register):
    inc = register(1, lease_ms=100)
    time.sleep(0.2)
    assert not layer.membership.members()[1].live
    assert not layer.membership.heartbeat(1, inc, 10_000)
    assert not layer.membership.members()[1].live


def test_members(layer, register):
    inc1 = register(1)
    register(2, lease_ms=100)
    time.sleep(0.2)
    members = layer.membership.members()
    assert set(members) == {1, 2}
    m1 = members[1]
    assert (m1.incarnation, m1.host, m1.pg_port, m1.peer_port, m1.live) == (
        inc1,
        "127.0.0.1",
        5432,
        7001,
        True,
    )
    assert not members[2].live


def test_deregister_needs_the_current_incarnation(layer, register):
    old = register(1)
    new = register(1)
    layer.membership.deregister(1, old)
    assert layer.membership.members()[1].incarnation == new
    layer.membership.deregister(1, new)
    assert layer.membership.members() == {}
    assert not layer.membership.heartbeat(1, new, 1000)
