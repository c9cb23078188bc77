"""The one exception the `strata` command turns into a one-line error."""

from __future__ import annotations


class CliError(Exception):
    """A message for the user; ``code`` is the exit status (2 usage, 1 otherwise)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code
