"""Errors a user can cause and can fix.

Every error raised for bad input is a :class:`CoGovInputError`. Its message is one line that
names the file (when there is one), the key, and what is allowed. The command-line interface
prints it without a traceback and exits with status 2.
"""

from __future__ import annotations


class CoGovInputError(ValueError):
    """Bad user input: a scenario file, an override, a network file or a command argument."""

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None):
        self.source = source
        self.key = key
        prefix = f"{source}: " if source else ""
        where = f"key '{key}': " if key else ""
        super().__init__(f"{prefix}{where}{message}")
