"""The package's architecture rules, checked on the source and shown to catch a planted breach.

- the import contract (``[tool.importlinter]`` in pyproject.toml, run by ``lint-imports``):
  imports go downward only, function-level imports included;
- no module imports a ``_private`` name from another safezones module;
- ``model/`` does no file I/O;
- no module over :data:`MAX_LINES` lines;
- the version is read from the package metadata in one place (``_version.py``);
- ``import safezones`` loads none of the heavy packages.

Every checker returns its offenders, so each test has a twin that plants a breach in a
copy of the source and sees it reported. The checkers read the source with :mod:`ast`
(a few hundred milliseconds in all); the import contract and the import of safezones
run as subprocesses, started together.
"""

from __future__ import annotations

import ast
import functools
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "safezones"
#: Largest module, in lines (the issue: "no module over about 700 lines").
MAX_LINES = 700
#: Packages that ``import safezones`` must not load: whoever needs them imports them.
HEAVY = ("matplotlib", "dask", "distributed", "reportlab", "rich", "SALib", "ema_workbench",
         "folium", "typer", "scipy.stats", "scipy.optimize", "pyogrio", "pydantic")  # fmt: skip
#: Calls that read or write files, by the called name (``x.to_file(...)``, ``open(...)``).
FILE_IO_CALLS = frozenset({
    "open", "read_text", "write_text", "read_bytes", "write_bytes", "read_file", "to_file",
    "read_parquet", "to_parquet", "read_csv", "to_csv", "read_feather", "to_feather",
    "read_json", "to_json", "read_table", "write_table", "read_dataframe", "write_dataframe",
    "list_layers", "save", "savez", "savez_compressed", "load", "loadtxt", "savetxt",
    "mkdir", "unlink", "rmdir", "rename", "replace", "touch", "savefig",
})  # fmt: skip
#: ``replace``, ``load`` and ``save`` are file I/O only on these owners (``str.replace`` is not).
FILE_IO_OWNERS = {"replace": {"os", "Path"}, "load": {"np", "numpy", "json", "pickle"},
                  "save": {"np", "numpy"}, "rename": {"os", "Path"}}  # fmt: skip
#: Calls that return text when given no path.
TO_TEXT = frozenset({"to_json", "to_csv"})
#: Modules whose import in model/ means file I/O.
FILE_IO_MODULES = frozenset({"pyogrio", "rasterio", "fiona", "pyarrow.parquet", "shutil",
                             "tempfile", "pickle"})  # fmt: skip


# ----------------------------------------------------------------- helpers


def modules(package: Path) -> Iterator[tuple[str, Path]]:
    """Yield (dotted name, path) of every module under ``package`` (its parent is the root)."""
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


@functools.cache
def _parse_text(text: str) -> ast.Module:
    return ast.parse(text)


def parse(path: Path) -> ast.Module:
    """Return the syntax tree of ``path``; a copy's unchanged files are parsed once in all."""
    return _parse_text(path.read_text(encoding="utf-8"))


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    """Return the absolute module of ``from <node.module> import ...`` inside ``module``."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join([*base, *([node.module] if node.module else [])])


def private_imports(package: Path) -> list[str]:
    """Return every ``from safezones.a import _b`` (any depth in a module) of another module.

    A private *module* (``from safezones import _text``) is plumbing, not a private name,
    and is allowed; so are names a module takes from itself or from its own package's
    ``__init__``. Attribute access on an imported module (``zones._border``) is caught by
    ruff's SLF001.
    """
    root = package.name
    module_files = {name for name, _ in modules(package)}
    found = []
    for name, path in modules(package):
        tree = parse(path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _absolute(name, node, path.name == "__init__.py")
            if source != root and not source.startswith(root + "."):
                continue
            for alias in node.names:
                if not _is_private(alias.name) or f"{source}.{alias.name}" in module_files:
                    continue
                if source != name:
                    found.append(f"{name} (l.{node.lineno}) imports {source}.{alias.name}")
    return found


def _called_name(func: ast.expr) -> tuple[str, str | None]:
    """Return the called name and its owner's name (``np.save`` -> ("save", "np"))."""
    if isinstance(func, ast.Name):
        return func.id, None
    if isinstance(func, ast.Attribute):
        owner = func.value
        if isinstance(owner, ast.Name):
            return func.attr, owner.id
        if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name):
            return func.attr, owner.func.id  # Path(p).replace(...)
        return func.attr, ""
    return "", None


def file_io(package: Path, layer: str = "model") -> list[str]:
    """Return the file reads and writes (calls and imports) in ``package/<layer>``."""
    found = []
    for name, path in modules(package / layer):
        tree = parse(path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                called, owner = _called_name(node.func)
                if called not in FILE_IO_CALLS:
                    continue
                if (
                    called in TO_TEXT
                    and not node.args
                    and not any(k.arg == "path_or_buf" for k in node.keywords)
                ):
                    continue  # frame.to_json() returns the text: no file
                owners = FILE_IO_OWNERS.get(called)
                if owners is not None and owner not in owners:
                    continue
                where = f"{owner}.{called}" if owner else called
                found.append(f"{package.name}.{name} (l.{node.lineno}) calls {where}()")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                for imported in names:
                    if imported in FILE_IO_MODULES or imported.split(".")[0] in FILE_IO_MODULES:
                        found.append(f"{package.name}.{name} (l.{node.lineno}) imports {imported}")
    return found


def long_modules(package: Path, limit: int = MAX_LINES) -> list[str]:
    """Return the modules of more than ``limit`` lines, with their length."""
    found = []
    for name, path in modules(package):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > limit:
            found.append(f"{name}: {n} lines")
    return found


def version_readers(package: Path) -> list[str]:
    """Return the places that read the version other than ``_version.py``.

    That is any use of :mod:`importlib.metadata`, and any ``__version__`` taken from
    somewhere else than ``safezones._version`` (``from safezones import __version__``
    is an upward import through the package's ``__init__``).
    """
    root = package.name
    found = []
    for name, path in modules(package):
        if name == f"{root}._version":
            continue
        tree = parse(path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("importlib.metadata"):
                        found.append(f"{name} (l.{node.lineno}) imports {alias.name}")
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(name, node, path.name == "__init__.py")
                if source.startswith("importlib.metadata") or (
                    source == "importlib" and any(a.name == "metadata" for a in node.names)
                ):
                    found.append(f"{name} (l.{node.lineno}) imports {source}")
                elif source != f"{root}._version" and any(
                    a.name == "__version__" for a in node.names
                ):
                    found.append(f"{name} (l.{node.lineno}) takes __version__ from {source}")
    return found


def copy_source(dest: Path) -> Path:
    """Copy the package's Python files (not its data) to ``dest``; return the package copy."""

    def not_python(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if not n.endswith(".py") and not Path(folder, n).is_dir()]

    return Path(shutil.copytree(PACKAGE, dest / "safezones", ignore=not_python))


def plant(package: Path, module: str, code: str, *, in_function: bool = False) -> str:
    """Append ``code`` to ``package/<module>.py`` (inside a new function if asked)."""
    path = package / f"{module}.py"
    if in_function:
        code = "\n\ndef _planted_function() -> None:\n" + "".join(
            f"    {line}\n" for line in code.splitlines()
        )
    path.write_text(path.read_text(encoding="utf-8") + "\n" + code + "\n", encoding="utf-8")
    return code


def _lint_imports(package_parent: Path, config: Path) -> subprocess.Popen[str]:
    """Start ``lint-imports`` on the safezones under ``package_parent`` with ``config``."""
    exe = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.Popen(
        [str(exe) if exe.exists() else "lint-imports", "--no-cache", "--no-logo", str(config)],
        cwd=package_parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _contract_config(dest: Path) -> Path:
    """Write pyproject.toml's import-linter section, unchanged, to a config file in ``dest``."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    start = text.index("[tool.importlinter]")
    tomllib.loads(text[start:])  # the section stands alone (nothing of it is lost)
    config = dest / "contract.toml"
    config.write_text(text[start:], encoding="utf-8")
    return config


# ------------------------------------------------- the import contract


#: Upward imports planted in copies of the source, and the line lint-imports must report.
PLANTED = {
    "function-level": ("model/metrics", "import safezones.viz", True),
    "module-level": ("model/metrics", "import safezones.viz", False),
    "from-import in a function": ("model/metrics", "from safezones.viz import display", True),
}


@pytest.fixture(scope="module")
def contract_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """Run lint-imports on src and on each planted copy, all at once; exit code and output."""
    runs = {"src": _lint_imports(SRC, _contract_config(tmp_path_factory.mktemp("src")))}
    for label, (module, code, in_function) in PLANTED.items():
        dest = tmp_path_factory.mktemp("planted")
        plant(copy_source(dest), module, code, in_function=in_function)
        runs[label] = _lint_imports(dest, _contract_config(dest))
    planted_tc = tmp_path_factory.mktemp("type_checking")
    plant(
        copy_source(planted_tc),
        "model/metrics",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import safezones.viz",
    )
    runs["type-checking"] = _lint_imports(planted_tc, _contract_config(planted_tc))
    return {label: (p.wait(timeout=120), p.communicate()[0]) for label, p in runs.items()}


def test_the_import_contract_holds_on_the_source(contract_runs):
    code, out = contract_runs["src"]
    assert code == 0, out
    assert "1 kept, 0 broken" in out


@pytest.mark.parametrize("label", list(PLANTED))
def test_a_planted_upward_import_breaks_the_contract(contract_runs, label):
    code, out = contract_runs[label]
    assert code == 1, out
    assert "safezones.model.metrics -> safezones.viz" in out, out


def test_a_type_checking_import_is_not_counted(contract_runs):
    _, out = contract_runs["type-checking"]
    assert "safezones.model.metrics -> safezones.viz" not in out, out


def test_the_contract_lists_every_layer_of_the_brief():
    """The layer list is the issue's, top to bottom; a new top-level module needs a layer."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    assert contract["type"] == "layers" and contract["exhaustive"] is True
    assert config["tool"]["importlinter"]["exclude_type_checking_imports"] is True
    layers = [
        [m.strip() for m in layer.replace("|", ":").split(":")] for layer in contract["layers"]
    ]
    assert layers[:11] == [["cli"], ["report", "notebook"], ["export"], ["viz"], ["sweep"],
                           ["validate"], ["scenario"], ["engine"], ["model"], ["config"],
                           ["io"]]  # fmt: skip
    assert {"schema", "defaults", "crs", "errors", "data"} <= set(layers[11])
    assert "|" in contract["layers"][1]  # report and notebook are independent of each other


# ---------------------------------------------------------- the AST rules


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    return copy_source(tmp_path)


def test_no_module_imports_a_private_name_of_another():
    assert private_imports(PACKAGE) == []


def test_a_planted_private_import_is_found(source_copy):
    plant(
        source_copy, "model/metrics", "from safezones.model.zones import _planted", in_function=True
    )
    plant(
        source_copy,
        "viz/__init__",
        "from safezones.crs import (\n    PROJECT_CRS,\n    _hidden,\n)",
    )
    found = private_imports(source_copy)
    assert any(f.startswith("safezones.model.metrics ") and "zones._planted" in f for f in found)
    assert any(f.startswith("safezones.viz ") and "safezones.crs._hidden" in f for f in found)


def test_model_does_no_file_io():
    assert file_io(PACKAGE) == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("open('x.csv').read()", "calls open()"),
        ("Path('x').read_text()", "calls Path.read_text()"),
        ("frame.to_parquet('x.parquet')", "calls frame.to_parquet()"),
        ("np.save('x.npy', a)", "calls np.save()"),
        ("import rasterio\nrasterio.open('x.tif')", "calls rasterio.open()"),
        ("import pyogrio", "imports pyogrio"),
        ("gpd.read_file('zones.gpkg')", "calls gpd.read_file()"),
    ],
)
def test_planted_file_io_in_model_is_found(source_copy, code, expected):
    plant(source_copy, "model/metrics", code, in_function=True)
    assert any(
        f.startswith("safezones.model.metrics ") and expected in f for f in file_io(source_copy)
    )


def test_string_replace_is_not_file_io(source_copy):
    plant(
        source_copy,
        "model/metrics",
        "'a-b'.replace('-', ' ')\nnp.asarray([1]).save",
        in_function=True,
    )
    assert not any(f.startswith("safezones.model.metrics ") for f in file_io(source_copy))


def test_no_module_is_over_the_line_limit():
    assert long_modules(PACKAGE) == []


def test_a_planted_long_module_is_found(source_copy):
    plant(source_copy, "model/metrics", "\n" * (MAX_LINES + 1))
    assert any(f.startswith("safezones.model.metrics:") for f in long_modules(source_copy))


def test_the_version_is_read_in_one_place():
    assert version_readers(PACKAGE) == []
    assert "importlib.metadata" in (PACKAGE / "_version.py").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "code",
    [
        "from importlib.metadata import version",
        "import importlib.metadata",
        "from importlib import metadata",
        "from safezones import __version__",
    ],
)
def test_a_planted_version_reader_is_found(source_copy, code):
    plant(source_copy, "export/columns", code, in_function=True)
    assert any(f.startswith("safezones.export.columns ") for f in version_readers(source_copy))


# ------------------------------------------------- import safezones stays light


def _heavy_loaded(package_parent: Path) -> subprocess.Popen[str]:
    code = (
        f"import sys, safezones\nprint(' '.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True, cwd=package_parent
    )


def test_import_safezones_loads_no_heavy_package(tmp_path):
    dest = tmp_path / "planted"
    dest.mkdir()
    package = Path(shutil.copytree(PACKAGE, dest / "safezones"))  # with its data: it is imported
    plant(package, "model/zones", "import matplotlib")  # a module import safezones loads
    real, planted = _heavy_loaded(SRC), _heavy_loaded(dest)
    real_out, planted_out = real.communicate(timeout=120)[0], planted.communicate(timeout=120)[0]
    assert real.returncode == 0 and planted.returncode == 0
    assert real_out.split() == []  # the real package loads none of them
    assert "matplotlib" in planted_out.split()  # and the check sees one that is loaded
