"""The memory layer's Lua scripts, read from this folder at import.

Owns: loading ``<name>.lua``; directory scripts get ``_prelude.lua`` (shared
helpers; ARGV[1] is the key prefix) prepended, since EVAL has no includes.
"""

from __future__ import annotations

import pathlib

_HERE = pathlib.Path(__file__).resolve().parent


def load(name: str, prelude: bool = False) -> str:
    body = (_HERE / f"{name}.lua").read_text()
    if prelude:
        return (_HERE / "_prelude.lua").read_text() + "\n" + body
    return body
