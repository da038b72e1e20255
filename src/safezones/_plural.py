"""Counts in messages: "1 value", "2 values", "1 event has", "3 events have", "a, b and 3 more"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["agree", "listing", "plural"]


def plural(n: int | float, word: str, many: str | None = None, *, sep: bool = True) -> str:
    """``n`` and ``word``, singular for exactly one, plural (``word + "s"`` or ``many``) else.

    ``sep=True`` writes thousands separators (``1,234 values``).

    Examples
    --------
    >>> plural(1, "value"), plural(0, "value"), plural(1234, "row")
    ('1 value', '0 values', '1,234 rows')
    >>> plural(2, "class", "classes"), plural(1, "band", sep=False)
    ('2 classes', '1 band')
    """
    count = f"{n:,}" if sep else f"{n}"
    return f"{count} {word if n == 1 else (many or word + 's')}"


def agree(n: int | float, one: str, many: str) -> str:
    """Return the verb (or word) that agrees with ``n``: ``one`` for exactly one, else ``many``.

    Examples
    --------
    >>> f"{plural(1, 'event')} {agree(1, 'has', 'have')} no year"
    '1 event has no year'
    >>> f"{plural(3, 'event')} {agree(3, 'has', 'have')} no year"
    '3 events have no year'
    """
    return one if n == 1 else many


def listing(items: Sequence[Any], *, limit: int = 10) -> str:
    """Return the first ``limit`` items joined by commas, and how many more there are.

    Examples
    --------
    >>> listing(["line 2", "line 5"])
    'line 2, line 5'
    >>> listing([1, 2, 3, 4], limit=2)
    '1, 2 and 2 more'
    """
    shown = ", ".join(str(i) for i in items[:limit])
    more = len(items) - limit
    return shown + (f" and {more} more" if more > 0 else "")
