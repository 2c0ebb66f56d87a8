"""The README stays a short front door, and every link and repository path in the docs resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
README_MAX_LINES = 200
# CI runs these two set-up commands as the README gives them.
QUICK_START = (
    "pip install -e . && caseload plan configs/child-welfare.yaml -o out",
    'pip install -e ".[test]" && pytest',
)
# A backticked word is a repository path when it starts with a top-level entry of the repository;
# `out/plan.json` or `DIR/curve.csv` name a run's outputs instead.
TOP_LEVEL = {"bench", "configs", "docs", "export", "models", "scheduler", "tests", ".ci",
             "cli.py", "pyproject.toml", "README.md"}
FENCED_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
LINK_TARGET = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
INLINE_CODE = re.compile(r"`([^`\n]+)`")
PATH_LIKE = re.compile(r"[\w.-]+(?:/[\w.*-]+)*/?")


def prose(page: Path) -> str:
    """The page without its fenced code blocks: commands and samples there are not links."""
    return FENCED_BLOCK.sub("", page.read_text(encoding="utf-8"))


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK_TARGET.findall(prose(page)):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file_part = target.split("#", 1)[0]
        if file_part and not (page.parent / file_part).exists():
            broken.append(target)
    return broken


def repository_paths(page: Path) -> list[str]:
    words = (word for code in INLINE_CODE.findall(prose(page)) for word in code.split())
    return [word for word in words if PATH_LIKE.fullmatch(word) and word.split("/")[0] in TOP_LEVEL]


def exists_in_repository(path: str) -> bool:
    if "*" in path:
        return any(ROOT.glob(path))
    return (ROOT / path).exists()


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    assert broken_links(page) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_backticked_repository_paths_exist(page: Path) -> None:
    missing = sorted({path for path in repository_paths(page) if not exists_in_repository(path)})
    assert missing == []


def test_readme_is_short() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= README_MAX_LINES


@pytest.mark.parametrize("command", QUICK_START)
def test_readme_keeps_the_quick_start_commands(command: str) -> None:
    assert command in README.read_text(encoding="utf-8").splitlines()
