"""Shared fixtures: the hand-checkable organisations in tests/data/."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.loader import load_config
from models.organisation import Config

DATA = Path(__file__).parent / "data"


@pytest.fixture
def tiny_config() -> Config:
    """Three managers, five cases (tests/data/tiny.yaml)."""
    return load_config(DATA / "tiny.yaml")
