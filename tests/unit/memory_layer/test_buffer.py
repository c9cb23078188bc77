P = (2, 9)


def test_get_missing_is_none(layer):
    assert layer.buffer.get(P) is None


def test_newer_version_wins(layer):
    image = b"\x00\xffpage\x00" * 100
    layer.buffer.put(P, 2, image)
    layer.buffer.put(P, 1, b"old")
    assert layer.buffer.get(P) == (2, image)
    assert not layer.buffer.put_if_newer(P, 2, b"same version")
    assert layer.buffer.get(P) == (2, image)
    assert layer.buffer.put_if_newer(P, 3, b"new")
    assert layer.buffer.get(P) == (3, b"new")


def test_pages_are_independent(layer):
    layer.buffer.put((2, 1), 5, b"a")
    layer.buffer.put((2, 2), 1, b"b")
    assert layer.buffer.get((2, 1)) == (5, b"a")
    assert layer.buffer.get((2, 2)) == (1, b"b")


def test_memory_checkpoint_stores_images_then_the_lsn(layer):
    assert layer.buffer.checkpoint_lsn(4, 2) == 0
    layer.buffer.put((2, 1), 9, b"newer")
    layer.buffer.checkpoint(4, 2, [((2, 1), 7, b"older"), ((2, 2), 3, b"c")], lsn=40)
    assert layer.buffer.get((2, 1)) == (9, b"newer")
    assert layer.buffer.get((2, 2)) == (3, b"c")
    assert layer.buffer.checkpoint_lsn(4, 2) == 40
    layer.buffer.checkpoint(4, 2, [], lsn=35)  # a late, older checkpoint never moves it back
    assert layer.buffer.checkpoint_lsn(4, 2) == 40
    layer.buffer.checkpoint(4, 3, [], lsn=41)  # each incarnation has its own record
    assert (layer.buffer.checkpoint_lsn(4, 2), layer.buffer.checkpoint_lsn(4, 3)) == (40, 41)
    assert layer.buffer.checkpoint_lsn(5, 2) == 0


def test_lookup_names_the_owner_incarnation(layer, register):
    inc = register(3)
    layer.directory.claim((2, 5), 3, inc)
    assert layer.directory.lookup((2, 5)).owner_incarnation == inc


def test_the_pusher_is_recorded_and_an_equal_version_moves_it(layer):
    layer.buffer.put((2, 3), 4, b"v4", pusher=11)
    assert layer.buffer.get_with_pusher((2, 3)) == (4, b"v4", 11)
    layer.buffer.put((2, 3), 4, b"v4", pusher=12)
    assert layer.buffer.get_with_pusher((2, 3)) == (4, b"v4", 12)
    layer.buffer.put((2, 3), 3, b"v3", pusher=13)
    assert layer.buffer.get_with_pusher((2, 3)) == (4, b"v4", 12)
    layer.buffer.checkpoint(5, 14, [((2, 3), 6, b"v6")], lsn=9)
    assert layer.buffer.get_with_pusher((2, 3)) == (6, b"v6", 14)


def test_many_in_one_round_trip(layer):
    buf = layer.buffer
    buf.put_many([((9, 0), 3, b"a"), ((9, 1), 1, b"b")], pusher=42)
    buf.put_many([((9, 0), 2, b"older")], pusher=43)  # never replaces a newer version
    got = buf.get_many_with_pusher([(9, 0), (9, 1), (9, 2)])
    assert got == {(9, 0): (3, b"a", 42), (9, 1): (1, b"b", 42), (9, 2): None}
