"""The one TOML reader, for scenario files and sweep specs."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from safezones.errors import DataError

__all__ = ["read_toml"]


def read_toml(path: Path, *, what: str) -> dict[str, Any]:
    r"""Read a TOML file as a dict: UTF-8, with or without a byte-order mark.

    Unreadable files, other encodings and invalid TOML are a :class:`DataError`
    naming the file; the message never shows the file's contents.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "s.toml"
    >>> _ = f.write_bytes("\ufeffid = 'x'\n".encode())
    >>> read_toml(f, what="scenario file")
    {'id': 'x'}
    >>> _ = f.write_bytes("id = 'x'\ntitle = 'Alep caf\xe9'\n".encode("latin-1"))
    >>> try:
    ...     read_toml(f, what="scenario file")
    ... except DataError as err:
    ...     print(err.problems[0])
    the scenario file is not UTF-8 text (line 2 has byte 0xe9); save it as UTF-8
    """
    try:
        data_ = path.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read the {what}: {err.strerror}", source=str(path)) from None
    try:
        text = data_.decode("utf-8").removeprefix("\ufeff")  # a BOM, as Notepad writes
    except UnicodeDecodeError as err:
        line = data_.count(b"\n", 0, err.start) + 1
        raise DataError(
            f"the {what} is not UTF-8 text (line {line} has byte 0x{data_[err.start]:02x}); "
            "save it as UTF-8",
            source=str(path),
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise DataError(f"not valid TOML: {err}", source=str(path)) from None
