"""Fixtures shared by the kernel's tests: `an_instance(model)` makes a row of any versioned model."""

from tests.core.test_versioning import an_instance  # noqa: F401  (a fixture, with the builders beside it)
