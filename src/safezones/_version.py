"""The version of safezones, read once from the installed package's metadata.

Every place that prints or records the version (``safezones --version``,
``summary.json``, memo footers, figure metadata, sweeps) imports
:data:`__version__` from here, so that they cannot disagree.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]


def _installed_version() -> str:
    """Return the version in the installed metadata, or ``0+unknown`` when not installed.

    Examples
    --------
    >>> import importlib.metadata
    >>> _installed_version() == importlib.metadata.version("safezones")
    True
    """
    try:
        return version("safezones")
    except PackageNotFoundError:  # a source tree on sys.path, never installed
        return "0+unknown"


__version__: str = _installed_version()
