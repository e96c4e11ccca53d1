import pytest

from targets.seeding import seed


@pytest.fixture
def seeded(db):
    """The official seed (both documents) loaded into the test database."""
    return seed()
