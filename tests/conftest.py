import pytest

from ops.seed import seed_all
from targets.models import Region
from tests import cast
from tests.factories import UserFactory, filed_facility


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the official seed once into the test database; each test runs in a transaction that is rolled
    back, so every test starts from the seeded state without paying for the seed again."""
    with django_db_blocker.unblock():
        seed_all()


@pytest.fixture
def seeded(db):
    """The official seed (both documents), already in the test database."""
    return None


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests create many users; the production hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def plain_http_and_unhashed_static():
    """A DATABASE_URL run (CI's second pass) uses production settings: HTTPS redirects, secure-only cookies
    and hashed static files from collectstatic. The suite speaks plain HTTP (the test client, and the live
    server for the browser, whose middleware is built once per session) and collects no static files, so
    these are off for the whole session; tests/deploy checks the production values in subprocesses."""
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    if "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"]:
        plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        settings.STORAGES = {**settings.STORAGES, "staticfiles": plain}


@pytest.fixture(autouse=True)
def chinese_first():
    """Start every test in the portal's default language: a request made in English by an earlier test
    leaves that language active in the thread."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


# ---------------------------------------------------------------- places (from the seed)


@pytest.fixture
def daxing(seeded):
    """District 1: 北京市大兴区."""
    return Region.objects.get(code="110115")


@pytest.fixture
def yubei(seeded):
    """District 2: 重庆市渝北区."""
    return Region.objects.get(code="500112")


@pytest.fixture
def town1(daxing):
    return Region.objects.get(code="110115-01")


@pytest.fixture
def town2(daxing):
    return Region.objects.get(code="110115-02")


@pytest.fixture
def yubei_town(yubei):
    """Yubei's first town (500112-01)."""
    return Region.objects.get(code="500112-01")


# ---------------------------------------------------------------- facilities A and B


@pytest.fixture
def facility_a(town1):
    """Filed, operating and inclusive, in Daxing town 1 (tests.factories.filed_facility). An app whose tests
    need A in another state overrides this fixture in its conftest; the cast follows it."""
    return filed_facility(town1, "甲托育园")


@pytest.fixture
def facility_b(town2):
    """As facility A, in Daxing town 2."""
    return filed_facility(town2, "乙托育园")


# ---------------------------------------------------------------- the cast (tests/cast.py: one vocabulary)


@pytest.fixture
def operator_a(facility_a):
    return cast.operator("operator_a", facility_a)


@pytest.fixture
def operator_b(facility_b):
    return cast.operator("operator_b", facility_b)


@pytest.fixture
def town1_official(town1):
    return cast.town_official("town1_official", town1)


@pytest.fixture
def town2_official(town2):
    return cast.town_official("town2_official", town2)


@pytest.fixture
def daxing_official(daxing):
    return cast.district_official("daxing_official", daxing)


@pytest.fixture
def yubei_official(yubei):
    return cast.district_official("yubei_official", yubei)


@pytest.fixture
def superuser(db):
    return cast.superuser("superuser")


@pytest.fixture
def api_client(daxing):
    """Daxing's API client account (the reader's token belongs to it)."""
    return cast.api_client_account("api_client", daxing)


@pytest.fixture
def superuser_client(client, superuser):
    """pytest-django's client, signed in as the cast's superuser."""
    client.force_login(superuser)
    return client


@pytest.fixture
def nobody(db):
    """Signed in, with no role."""
    return UserFactory(username="nobody")


@pytest.fixture
def reader_secret(api_client):
    """The secret of a read-only token of Daxing's API client: the `reader` role."""
    return cast.issue_token(api_client)[1]


@pytest.fixture
def users(
    operator_a,
    operator_b,
    town1_official,
    town2_official,
    daxing_official,
    yubei_official,
    superuser,
    api_client,
    nobody,
):
    """The whole cast by role name (plus `api_client` and `nobody`)."""
    return {
        "operator_a": operator_a,
        "operator_b": operator_b,
        "town1_official": town1_official,
        "town2_official": town2_official,
        "daxing_official": daxing_official,
        "yubei_official": yubei_official,
        "superuser": superuser,
        "api_client": api_client,
        "nobody": nobody,
    }


@pytest.fixture
def client_as(request, users):
    """client_as(role): a django.test.Client acting as one of tests.cast.ROLES (or `api_client`,
    `nobody`); the reader's token is issued only when asked for."""

    def make(role):
        secret = request.getfixturevalue("reader_secret") if role == "reader" else None
        return cast.signed_in(role, users, reader_secret=secret)

    return make


@pytest.fixture
def api_as(request, users):
    """api_as(role): as client_as, with DRF's APIClient."""

    def make(role):
        secret = request.getfixturevalue("reader_secret") if role == "reader" else None
        return cast.signed_in(role, users, reader_secret=secret, api=True)

    return make
