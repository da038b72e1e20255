"""Errors raised by safezones.

Every problem the package can diagnose in user input is a :class:`SafeZonesError`
(a ``ValueError``), so callers can catch one type. An error carries *all* the
problems found at once, each saying where it is (file, row, key) and what to do,
so that a user fixes a file in one pass instead of one error per run.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "DataError",
    "GeometryError",
    "SafeZonesError",
    "SafeZonesWarning",
    "UnknownNameError",
]


class SafeZonesError(ValueError):
    """A problem with the input that the user can fix.

    Parameters
    ----------
    problems
        One message, or several; each should name the offending file, row or
        key and say what to do.
    source
        Optional file or object the problems were found in; it prefixes the
        message.

    Examples
    --------
    >>> err = SafeZonesError(["row 3: lon is NaN", "row 9: lat is NaN"], source="pts.csv")
    >>> print(err)
    pts.csv: 2 problems:
      - row 3: lon is NaN
      - row 9: lat is NaN
    >>> err.problems
    ('row 3: lon is NaN', 'row 9: lat is NaN')
    """

    def __init__(self, problems: str | Iterable[str], *, source: str | None = None) -> None:
        items = (problems,) if isinstance(problems, str) else tuple(problems)
        if not items:
            raise TypeError("SafeZonesError needs at least one problem")
        self.problems: tuple[str, ...] = items
        self.source = source
        super().__init__(self._format())

    def _format(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        if len(self.problems) == 1:
            return prefix + self.problems[0]
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return f"{prefix}{len(self.problems)} problems:\n{lines}"


class UnknownNameError(SafeZonesError, KeyError):
    """A name (neighbour code, place, layer, key) that does not exist.

    ``KeyError`` is a base too so ``except KeyError`` works, but the message is
    shown as plain text rather than ``KeyError``'s quoted repr.
    """

    def __str__(self) -> str:
        """Show the problems as plain text, not ``KeyError``'s quoted repr."""
        return self._format()


class GeometryError(SafeZonesError):
    """A geometry that cannot be used: empty, outside Syria, invalid, no CRS."""


class DataError(SafeZonesError):
    """A data file or table that is missing columns or holds bad values."""


class SafeZonesWarning(UserWarning):
    """Input that runs, but probably not as the user meant.

    For example a window reaching beyond the events' dates, a population layer
    holding fewer people than the national displaced total, or repeated rows
    dropped from an events file.

    The command line prints each as one ``warning:`` line on stderr.
    """
