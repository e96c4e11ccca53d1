import pytest

from tuoyu_portal.seed import seed_all


@pytest.fixture
def seeded(db):
    """The official seed (both documents) loaded into the test database."""
    return seed_all()
