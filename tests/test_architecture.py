"""The house rules that a reader of the code relies on: imports flow down (the import-linter
contract in pyproject.toml), and no import hides inside a function without a reason."""

from __future__ import annotations

import ast
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_PACKAGES = ("models", "scheduler", "export")


def test_the_import_contract_holds() -> None:
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def _local_imports(path: Path) -> list[int]:
    """Line numbers of imports inside a function (TYPE_CHECKING blocks are module level)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines.extend(inner.lineno for inner in ast.walk(node) if isinstance(inner, ast.Import | ast.ImportFrom))
    return sorted(set(lines))


def test_runtime_packages_import_at_the_top_of_each_module() -> None:
    found = {str(path.relative_to(ROOT)): lines for package in RUNTIME_PACKAGES
             for path in sorted((ROOT / package).rglob("*.py")) if (lines := _local_imports(path))}
    assert found == {}


def test_every_function_local_import_of_the_cli_is_explained() -> None:
    # cli.py imports the engine per command (its docstring says why); each group carries the comment.
    source = (ROOT / "cli.py").read_text(encoding="utf-8").splitlines()
    unexplained = [line for line in _local_imports(ROOT / "cli.py")
                   if "Imported here" not in source[line - 2] and not source[line - 2].lstrip().startswith("from ")]
    assert unexplained == []
