"""Helpers for the seed tests of every app (core.seeding is the loaders' base): a private copy of fixtures/
to break, and edits to one CSV cell. The targets, supervision and subsidies conftests import the fixture."""

import csv
import shutil
from pathlib import Path

import pytest

from core.seeding import DEFAULT_FIXTURES_DIR


@pytest.fixture
def fixtures(tmp_path) -> Path:
    """A private copy of fixtures/ that a test may break."""
    copy = tmp_path / "fixtures"
    shutil.copytree(DEFAULT_FIXTURES_DIR, copy)
    return copy


def edit_cell(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell of a CSV fixture; `line` counts the header as line 1, as the error messages do."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[line - 2][column] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def line_of(path: Path, **match) -> int:
    """The line (header = 1) of the first row whose columns have the `match` values."""
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            if all(row[k] == v for k, v in match.items()):
                return number
    raise LookupError(match)


def replace_once(path: Path, find: str, replace: str) -> None:
    """Replace the first `find` in a fixture file, which must contain it."""
    text = path.read_text(encoding="utf-8")
    assert find in text, (path.name, find)
    path.write_text(text.replace(find, replace, 1), encoding="utf-8")


def count_rows(*models) -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in models}
