import datetime
import decimal
import pickle

import pytest

from storage.page_format import (
    Page,
    PageDelta,
    RedoGap,
    apply_delta,
    decode_page,
    decode_record,
    encode_page,
    encode_record,
    page_id_from_key,
    page_key,
)


def test_page_key_orders_like_tuples():
    ids = [(1, -5), (1, -1), (1, 0), (1, 7), (2, -(2**62)), (2, 3), (3, 2**62)]
    keys = [page_key(p) for p in ids]
    assert keys == sorted(keys)
    assert [page_id_from_key(k) for k in keys] == ids


def test_round_trip_page_and_record():
    rows = {(1,): (1, "a", decimal.Decimal("1.50"), datetime.date(2024, 1, 2), None, True)}
    page = Page((7, 0), 3, rows)
    back = decode_page(encode_page(page))
    assert back == page
    deltas = [PageDelta((7, 0), 4, (((1,), None), ((2,), (2, "b")))), PageDelta((7, 1), 1, ())]
    assert decode_record(encode_record(deltas)) == deltas


def test_apply_is_idempotent_and_ordered():
    page = Page((7, 0))
    d1 = PageDelta((7, 0), 1, (((1,), (1, "x")),))
    d2 = PageDelta((7, 0), 2, (((1,), None), ((2,), (2, "y"))))
    assert apply_delta(page, d1)
    assert not apply_delta(page, d1)  # replay is harmless
    assert apply_delta(page, d2)
    assert page.rows == {(2,): (2, "y")} and page.version == 2
    with pytest.raises(RedoGap):
        apply_delta(page, PageDelta((7, 0), 9, ()))


def test_decoder_refuses_foreign_globals():
    evil = pickle.dumps((1, (1, 0), 1, {(1,): (pickle.PickleError,)}))
    with pytest.raises(pickle.UnpicklingError):
        decode_page(evil)
