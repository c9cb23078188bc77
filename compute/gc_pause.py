"""Full garbage collections are held off while a big transaction is open.

A full collection walks every element of every tracked container, and a
million-row transaction holds several (its writes, its lock names, the node's
lock table): each full collection then holds the GIL for a second or more --
every thread of the node stops, the heartbeat thread included, and the node
can miss its lease.  The rows themselves are not the problem: tuples of plain
values are untracked as soon as a young collection sees them.

So a transaction that reaches ``compute.txn.BIG_COMMIT_ROWS`` writes raises the
generation-2 threshold until it ends (``pause``/``resume`` nest: several big
transactions at once keep it raised until the last ends).  Young collections
go on (they untrack the new row tuples as they come, cheaply; disabling the
collector altogether would leave millions of them for the first collection
after the transaction, seconds again); the per-transaction containers are
freed by reference counting when the transaction ends.  When the last big
transaction ends, everything still tracked is moved to the permanent generation
(``gc.freeze``): the pages it filled are long-lived, and a full collection over
them took a second again right after the commit.  (Cyclic garbage that exists
at that instant is never collected: a few objects per big transaction.)
Touched only from the node's trio thread.
"""

from __future__ import annotations

import gc

_paused = 0
_saved: tuple[int, ...] | None = None
NO_FULL_COLLECTION = 1 << 30


def pause() -> None:
    global _paused, _saved
    if _paused == 0:
        _saved = gc.get_threshold()
        gc.set_threshold(_saved[0], _saved[1], NO_FULL_COLLECTION)
    _paused += 1


def resume() -> None:
    global _paused, _saved
    if _paused == 0:
        return
    _paused -= 1
    if _paused == 0 and _saved is not None:
        # What survived the transaction (the pages it filled) is long-lived:
        # freeze it, so later full collections do not walk it again either.
        gc.freeze()
        gc.set_threshold(*_saved)
        _saved = None


def paused() -> int:
    return _paused
