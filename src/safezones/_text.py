r"""Neutralise user text where it lands: CSV, Markdown, HTML links, matplotlib, messages.

Text in a scenario (titles, zone names, citations, notes, URLs) and in a
user's files is data, never markup or code. Each function here makes one
kind of output treat it so:

- :func:`csv_safe` and :func:`csv_frame`: no spreadsheet formula from a CSV
  cell (OWASP, "CSV Injection");
- :func:`markdown_cell`: one table cell, whatever ``|``, newlines or HTML the
  text holds;
- :func:`safe_url`: a link only to ``http`` or ``https``;
- :func:`mpl_literal` and :func:`literal_text`: matplotlib draws ``$`` as a
  dollar sign, never as mathtext;
- :func:`terminal_text`: no rich markup or terminal escape from a title;
- :func:`column_listing`: a file's column names go into a message only when
  they look like a header, so an error never prints a line of a file that
  is not the expected table (a key, a password file).

Examples
--------
>>> csv_safe("=HYPERLINK(\"http://x\")")
'\'=HYPERLINK("http://x")'
>>> csv_safe(-5.0)
-5.0
>>> print(markdown_cell("a | b\n<script>"))
a \| b &lt;script&gt;
>>> safe_url("javascript:alert(1)") is None, safe_url("https://example.org/a")
(True, 'https://example.org/a')
>>> mpl_literal("$5 or $6")
'\\$5 or \\$6'
"""

from __future__ import annotations

import functools
import html
import math
import re
import urllib.parse
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CSV_TRIGGERS",
    "MAX_LISTED_COLUMNS",
    "MAX_NAME_CHARS",
    "MAX_NOTE_CHARS",
    "MAX_SHOWN_VALUE",
    "MAX_TITLE_CHARS",
    "NO_HEADER",
    "check_length",
    "column_listing",
    "csv_frame",
    "csv_safe",
    "literal_text",
    "markdown_cell",
    "mpl_literal",
    "no_control",
    "people",
    "safe_url",
    "shown_value",
    "terminal_text",
]

#: First characters that make a spreadsheet read a cell as a formula (OWASP,
#: "CSV Injection": equals, plus, minus, at, tab, carriage return).
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: Longest scenario title (characters). Assumption: two lines of a map heading.
MAX_TITLE_CHARS = 200
#: Longest zone name (characters). Assumption: one map label.
MAX_NAME_CHARS = 100
#: Longest description, citation, URL, note or stated assumption (characters).
#: Assumption: a paragraph of a memo.
MAX_NOTE_CHARS = 2_000

_F = TypeVar("_F", bound=Callable[..., Any])


def people(v: Any) -> str:
    """Return a number of people as every output writes it: ``1.53 M``, ``170,000``, ``9,876``.

    Millions with two decimals from one million on; rounded to the thousand
    from 10,000 on (the model's inputs are not more precise than that); to
    the person below; ``n/a`` when there is no number. The one rule for
    maps, memos, HTML summaries, comparison tables and messages.

    Examples
    --------
    >>> [people(v) for v in (1_861_234, 7.6e6, 170_400, 9_876, 0, float("nan"))]
    ['1.86 M', '7.60 M', '170,000', '9,876', '0', 'n/a']
    """
    v = float(v)
    if not math.isfinite(v):
        return "n/a"
    if abs(v) >= 1e6:
        return f"{v / 1e6:.2f} M"
    if abs(v) >= 1e4:
        return f"{round(v, -3):,.0f}"
    return f"{v:,.0f}"


def check_length(text: str, *, key: str, limit: int) -> str:
    """``text`` if it has at most ``limit`` characters; else a SafeZonesError naming ``key``.

    The message gives the limit and the length, never the text.

    Examples
    --------
    >>> check_length("x" * 201, key="title", limit=200)
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: title: at most 200 characters (got 201); give a shorter one
    """
    if len(text) > limit:
        from safezones.errors import SafeZonesError

        raise SafeZonesError(
            f"{key}: at most {limit:,} characters (got {len(text):,}); give a shorter one"
        )
    return text


def csv_safe(value: Any) -> Any:
    """Return a CSV cell that a spreadsheet shows as text: a quote before a formula's first character.

    Only strings change, and only those starting with one of
    :data:`CSV_TRIGGERS` (OWASP's remedy: prefix a single quote). Numbers,
    including negative ones, are returned as they are, so they stay numbers.

    Examples
    --------
    >>> [csv_safe(v) for v in ("@SUM(A1)", "-2+3", "Aleppo", -2, None)]
    ["'@SUM(A1)", "'-2+3", 'Aleppo', -2, None]
    """
    if isinstance(value, str) and value.startswith(CSV_TRIGGERS):
        return "'" + value
    return value


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` to write as CSV: :func:`csv_safe` on every text cell and column name.

    Numeric columns are not touched; the frame given is not changed, so the
    tables in memory keep the user's text.

    Examples
    --------
    >>> import pandas as pd
    >>> csv_frame(pd.DataFrame({"name": ["=1+1", "ok"], "n": [-1.5, 2.0]})).to_dict("list")
    {'name': ["'=1+1", 'ok'], 'n': [-1.5, 2.0]}
    """
    from pandas.api import types

    def is_text(values: Any) -> bool:
        return not (
            types.is_numeric_dtype(values)
            or types.is_bool_dtype(values)
            or types.is_datetime64_any_dtype(values)
        )

    out = df.copy()
    for col in out.columns:
        if is_text(out[col]):
            out[col] = out[col].map(csv_safe)
    out.columns = [csv_safe(c) for c in out.columns]
    if is_text(out.index):
        out.index = out.index.map(csv_safe)
    return out


def markdown_cell(text: Any) -> str:
    r"""``text`` as plain text in Markdown: one table cell or list item, never markup.

    Line breaks become spaces; ``&``, ``<`` and ``>`` are HTML-escaped (no
    ``<script>``); backslash, ``|``, ``[`` and ``]`` are backslash-escaped,
    so a ``|`` cannot split a table row and ``[x](javascript:...)`` is no
    link. A Markdown viewer shows the text as given.

    Examples
    --------
    >>> print(markdown_cell("Zone A | B\r\nnorth & <b>south</b> [x](javascript:1)"))
    Zone A \| B north &amp; &lt;b&gt;south&lt;/b&gt; \[x\](javascript:1)
    """
    one_line = " ".join(str(text).split())
    out = html.escape(one_line, quote=False).replace("\\", "\\\\")
    for ch in "|[]":
        out = out.replace(ch, "\\" + ch)
    return out


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an ``http`` or ``https`` address with a host, else ``None``.

    ``javascript:``, ``data:``, ``file:`` and relative addresses are never
    made links; show them as escaped text instead.

    Examples
    --------
    >>> [safe_url(u) for u in ("HTTPS://a.org", " javascript:alert(1)", "//evil.org", None)]
    ['HTTPS://a.org', None, None, None]
    """
    if not url:
        return None
    text = url.strip()
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in text):
        return None  # browsers drop tabs and newlines inside a scheme: "java\tscript:"
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return text


def mpl_literal(text: str) -> str:
    r"""``text`` with every ``$`` escaped, so matplotlib draws it literally, not as mathtext.

    Use it for text drawn with mathtext on (matplotlib's default);
    :mod:`safezones.viz` draws with mathtext off instead (:func:`literal_text`).

    Examples
    --------
    >>> mpl_literal("$\\frac{1}{$")
    '\\$\\frac{1}{\\$'
    """
    return str(text).replace("$", r"\$")


def literal_text(func: _F) -> _F:
    r"""Decorate a plotting function so every text it creates is drawn literally (no mathtext).

    The figure's texts are created with matplotlib's ``text.parse_math``
    off, so a ``$`` in a title, a zone name or a file name is a dollar
    sign, and ``$\frac{1}{$`` draws as typed instead of raising.
    """
    import matplotlib as mpl

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with mpl.rc_context({"text.parse_math": False}):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


#: Control characters a terminal would act on (ESC, BEL, C1...); tab and newline stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: The same but carriage return, which Windows line breaks hold.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def no_control(text: str) -> str:
    r"""``text`` if it holds no control character but tab and line breaks; else ValueError.

    For pydantic fields of user text (an ``AfterValidator``): an ESC or BEL
    in a title is never meant, and would act on a terminal or draw as a box.

    Examples
    --------
    >>> no_control("two\nlines")
    'two\nlines'
    >>> no_control("a\x1b[31m")
    Traceback (most recent call last):
    ...
    ValueError: holds the control character U+001B at position 2; remove it
    """
    found = _NOT_TEXT.search(text)
    if found:
        raise ValueError(
            f"holds the control character U+{ord(found.group()):04X} at position "
            f"{found.start() + 1}; remove it"
        )
    return text


def terminal_text(text: Any) -> str:
    r"""``text`` to print with rich: markup escaped, control characters shown as ``\xNN``.

    A title like ``[/]`` or ``[link=javascript:...]`` is shown as typed
    instead of raising or making a terminal link, and an ANSI escape
    sequence cannot recolour or retitle the user's terminal.

    Examples
    --------
    >>> from rich.console import Console
    >>> Console().print(terminal_text("[/] [link=x]a[/link] \x1b[31mred"))
    [/] [link=x]a[/link] \x1b[31mred
    """
    from rich.markup import escape

    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))
    return escape(shown)


#: What a column name in a header looks like: letters (any script), digits,
#: spaces and the punctuation of HXL tags and units, at most 40 characters.
_COLUMN_NAME = re.compile(r"[\w #+\-./()%²]{1,40}")
#: At most this many columns are listed in a message.
MAX_LISTED_COLUMNS = 60


def column_listing(columns: Iterable[Any], *, minimum: int = 2) -> str | None:
    """Return the columns of a file as a message may show them, or ``None`` if they are no header.

    A header is listed only when it has ``minimum`` (every table safezones
    reads has at least two columns) to :data:`MAX_LISTED_COLUMNS` columns,
    each a short name of letters, digits, spaces and ``#+-./()%``.
    Anything else (one "column" holding a whole line of a key or password
    file, binary garbage) is not echoed: the message says the file has no
    header with the expected columns.

    Examples
    --------
    >>> column_listing(["pcode", "displaced"])
    "['pcode', 'displaced']"
    >>> column_listing(["root:$6$abc:19000:0:99999:7:::"]) is None
    True
    """
    names = [str(c) for c in columns]
    if not minimum <= len(names) <= MAX_LISTED_COLUMNS:
        return None
    if not all(_COLUMN_NAME.fullmatch(n) and n.isprintable() for n in names):
        return None
    return repr(names)


#: What a message says instead of listing columns that are no header.
NO_HEADER = "the file has no header with the expected columns"

#: How many characters of one cell a message shows.
MAX_SHOWN_VALUE = 30


def shown_value(value: Any) -> str:
    """One cell of a file as a message shows it: its ``repr``, the first 24 characters if long.

    Examples
    --------
    >>> shown_value("12,5"), shown_value("x" * 100)
    ("'12,5'", "'xxxxxxxxxxxxxxxxxxxxxxxx'...")
    """
    text = repr(value)
    if len(text) <= MAX_SHOWN_VALUE:
        return text
    return repr(str(value)[: MAX_SHOWN_VALUE - 6]) + "..."
