import pytest
from django.db import transaction

from core.api.throttling import AnonymousRateThrottle, ClientRateThrottle
from tests.security.world import build_world


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker):
    """One dataset for the whole package, built once inside a transaction that is rolled back after its
    last test; each test (and each call of the matrix) runs in a savepoint inside it, and a module that
    changes the dataset for all its tests does so in a savepoint of its own (world.module_savepoint)."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


@pytest.fixture(scope="package", autouse=True)
def generous_throttles():
    """The matrix makes hundreds of anonymous API calls within a minute; DRF reads the rates once, into the
    throttle classes, so they are patched there."""
    rates = {"client": "100000/min", "anonymous": "100000/min"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClientRateThrottle, "THROTTLE_RATES", rates)
        patch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", rates)
        yield
