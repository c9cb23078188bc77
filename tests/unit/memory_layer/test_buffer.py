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
