"""Saving a figure for a memo: 300 dpi PNG, or PDF and SVG with the fonts embedded."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

from safezones.errors import SafeZonesError

__all__ = [
    "FIGURE_FORMATS",
    "save_figure",
]

#: Formats :func:`save_figure` writes.
FIGURE_FORMATS = (".png", ".pdf", ".svg")


def save_figure(
    fig: Figure, path: str | Path, *, dpi: int = 300, source: str | None = None
) -> Path:
    """Save a figure for a memo: 300 dpi PNG, or PDF/SVG with fonts embedded.

    PDF fonts are embedded as TrueType (Type 42) subsets, so the text stays
    selectable and searchable; SVG text is drawn as glyph outlines, so it
    looks the same without the fonts installed. ``source`` is written into
    the file's metadata (PNG ``Source``, PDF ``Subject``). The file is
    written atomically; a folder is refused, an existing file is replaced.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> save_figure(fig, d / "f.svg").suffix
    '.svg'
    >>> save_figure(fig, d / "f.jpg")
    Traceback (most recent call last):
    ...
    safezones.errors.SafeZonesError: cannot write 'f.jpg': the figure formats are .png, .pdf, .svg
    """
    from safezones.io.atomic import atomic_path, check_figure_path, in_temp_output

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in FIGURE_FORMATS:
        raise SafeZonesError(
            f"cannot write {p.name!r}: the figure formats are {', '.join(FIGURE_FORMATS)}"
        )
    check_figure_path(p)
    from safezones._version import __version__

    meta: dict[str, str] = {"Creator": f"safezones {__version__}"}
    if source:  # each format's own key for a description
        meta[{".pdf": "Subject", ".svg": "Description", ".png": "Source"}[suffix]] = source
    try:
        with (
            mpl.rc_context({"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "path"}),
            atomic_path(p) as tmp,
        ):
            fig.savefig(
                tmp, format=suffix[1:], dpi=dpi, metadata=meta, facecolor=fig.get_facecolor()
            )
    except OSError as err:  # a full disk: say so, and leave the earlier figure in place
        if in_temp_output(p):  # a memo's figure: the memo's folder reports it
            raise
        raise SafeZonesError(
            f"cannot write the figure {p}: {err.strerror or err}; nothing was written; free "
            "some space or give --out another folder"
        ) from None
    return p
