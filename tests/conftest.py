"""Shared fixtures: every test starts from an empty default workspace."""

from __future__ import annotations

import numpy as np
import pytest

from graphlab import workspace


@pytest.fixture(autouse=True)
def fresh_workspace():
    """Switch to the default workspace and empty it before each test."""
    workspace.SwitchWorkspace("default")
    workspace.ResetWorkspace()
    workspace.SetRandomSeed(None)
    workspace.SetDivergenceGuard(False)  # ResetWorkspace keeps the guard; tests start without
    yield
    workspace.SwitchWorkspace("default")
    workspace.ResetWorkspace()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
