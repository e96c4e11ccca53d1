"""Targets fixtures: `fixtures`, a private copy of fixtures/ for the seed tests (tests/core/seed_files.py)."""

from tests.core.seed_files import fixtures  # noqa: F401  (a fixture: pytest finds it by name)
