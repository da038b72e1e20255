"""Strip outputs, execution counts and run metadata from notebooks/*.ipynb (before a commit).

Run it with ``python scripts/strip_notebooks.py``; ``--check`` only reports
notebooks that still carry outputs (exit 1), as the test suite does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
KEEP_METADATA = ("kernelspec", "language_info")


def strip(nb: nbformat.NotebookNode) -> bool:
    """Strip ``nb`` in place; True if anything changed."""
    changed = False
    for cell in nb.cells:
        if cell.get("metadata"):
            cell.metadata = {}
            changed = True
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count = [], None
            changed = True
    extra = [k for k in nb.metadata if k not in KEEP_METADATA]
    for k in extra:
        del nb.metadata[k]
    return changed or bool(extra)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    dirty = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if strip(nb):
            dirty.append(path)
            if not args.check:
                nbformat.write(nb, path)
    for path in dirty:
        print(f"{'has outputs' if args.check else 'stripped'}: {path}")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
