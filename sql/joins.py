"""Join operators: hash join on equality keys, nested loop otherwise.

Both take a ``kind`` of "inner", "left", "right" or "full"; output rows are
``left row + right row`` with NULLs filling the missing side of an outer join.
``residual`` is the rest of the join condition, evaluated on the combined row;
a pair joins only when every key is equal (NULL keys never match) and the
residual is true.  The hash table is built on the right input.
"""

from __future__ import annotations

from .expr import Fn
from .physical import Operator
from .runtime import Env


class HashJoin(Operator):
    def __init__(
        self,
        left: Operator,
        right: Operator,
        left_keys: list[Fn],
        right_keys: list[Fn],
        kind: str = "inner",
        residual: Fn | None = None,
    ) -> None:
        self.left, self.right = left, right
        self.left_keys, self.right_keys = left_keys, right_keys
        self.kind, self.residual = kind, residual
        self.width = left.width + right.width

    def _key(self, fns: list[Fn], row: tuple, env: Env):
        if len(fns) == 1:
            return fns[0](row, env)
        k = tuple([f(row, env) for f in fns])
        return None if None in k else k

    def rows(self, env: Env) -> list[tuple]:
        right_rows = self.right.rows(env)
        table: dict = {}
        rkeys = self.right_keys
        for i, r in enumerate(right_rows):
            k = self._key(rkeys, r, env)
            if k is not None:
                table.setdefault(k, []).append(i)
        lkeys, residual, kind = self.left_keys, self.residual, self.kind
        keep_left = kind in ("left", "full")
        keep_right = kind in ("right", "full")
        matched_right: set[int] = set()
        lnulls = (None,) * self.left.width
        rnulls = (None,) * self.right.width
        out = []
        for left_row in self.left.rows(env):
            k = self._key(lkeys, left_row, env)
            hit = False
            if k is not None:
                for i in table.get(k, ()):
                    row = left_row + right_rows[i]
                    if residual is None or residual(row, env) is True:
                        out.append(row)
                        hit = True
                        if keep_right:
                            matched_right.add(i)
            if keep_left and not hit:
                out.append(left_row + rnulls)
        if keep_right:
            out.extend(lnulls + r for i, r in enumerate(right_rows) if i not in matched_right)
        return out


class NestedLoopJoin(Operator):
    def __init__(self, left: Operator, right: Operator, kind: str = "inner", cond: Fn | None = None) -> None:
        self.left, self.right, self.kind, self.cond = left, right, kind, cond
        self.width = left.width + right.width

    def rows(self, env: Env) -> list[tuple]:
        right_rows = self.right.rows(env)
        cond, kind = self.cond, self.kind
        keep_left = kind in ("left", "full")
        keep_right = kind in ("right", "full")
        matched_right: set[int] = set()
        lnulls = (None,) * self.left.width
        rnulls = (None,) * self.right.width
        out = []
        for left_row in self.left.rows(env):
            hit = False
            for i, r in enumerate(right_rows):
                row = left_row + r
                if cond is None or cond(row, env) is True:
                    out.append(row)
                    hit = True
                    if keep_right:
                        matched_right.add(i)
            if keep_left and not hit:
                out.append(left_row + rnulls)
        if keep_right:
            out.extend(lnulls + r for i, r in enumerate(right_rows) if i not in matched_right)
        return out
