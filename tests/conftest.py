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


def _flushes_the_database(item) -> bool:
    """Transactional tests (and live-server ones) commit, so pytest-django empties every table after them."""
    names = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    return (
        "transactional_db" in names
        or "live_server" in names
        or bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Load the seed again after a transactional test emptied the tables: the tests that follow in this
    process (pytest-xdist hands each process whole files, in no set order) expect the session's seed."""
    yield
    # nextitem None: the last test of this process, whose teardown has dropped the test database already
    if nextitem is not None and _flushes_the_database(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            if not Region.objects.exists():
                seed_all()


@pytest.fixture
def seeded(db):
    """The official seed (both documents), already in the test database."""
    return None


@pytest.fixture(autouse=True, scope="session")
def media_in_tmp(tmp_path_factory):
    """Uploaded files (filing materials) go to a temporary folder, never to the checkout's media/."""
    from django.test.utils import override_settings

    override = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    override.enable()
    yield
    override.disable()


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


@pytest.fixture
def immediate_tasks(settings):
    """Background tasks (imports) run at once, in the request that queues them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def chinese_first():
    """Start every test in the portal's default language: a request made in English by an earlier test
    leaves that language active in the thread."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


# ---------------------------------------------------------------- places (from the seed)


def region(name, code):
    """A fixture: the seeded region of this code."""

    @pytest.fixture(name=name)
    def seeded_region(seeded):
        return Region.objects.get(code=code)

    return seeded_region


daxing = region("daxing", "110115")  # district 1: 北京市大兴区
yubei = region("yubei", "500112")  # district 2: 重庆市渝北区
town1 = region("town1", "110115001")
town2 = region("town2", "110115002")
yubei_town = region("yubei_town", "500112023")  # 仙桃街道, named in Yubei's reply


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


def cast_member(role, build, place):
    """A fixture: the user `build` (a builder of tests/cast.py) makes for `place` (the fixture of a facility
    or region; an app's override of it is followed), with the role's name as username."""

    @pytest.fixture(name=role)
    def member(request):
        return build(role, request.getfixturevalue(place))

    return member


operator_a = cast_member("operator_a", cast.operator, "facility_a")
operator_b = cast_member("operator_b", cast.operator, "facility_b")
town1_official = cast_member("town1_official", cast.town_official, "town1")
town2_official = cast_member("town2_official", cast.town_official, "town2")
daxing_official = cast_member("daxing_official", cast.district_official, "daxing")
yubei_official = cast_member("yubei_official", cast.district_official, "yubei")
# Daxing's API client account (the reader's token belongs to it)
api_client = cast_member("api_client", cast.api_client_account, "daxing")


@pytest.fixture
def superuser(db):
    return cast.superuser("superuser")


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
def users(request):
    """The whole cast by role name (plus `api_client` and `nobody`)."""
    return {name: request.getfixturevalue(name) for name in (*cast.SIGNED_IN, "api_client", "nobody")}


def signing_in(request, users, *, api):
    def make(role):
        secret = request.getfixturevalue("reader_secret") if role == "reader" else None
        return cast.signed_in(role, users, reader_secret=secret, api=api)

    return make


@pytest.fixture
def client_as(request, users):
    """client_as(role): a django.test.Client acting as one of tests.cast.ROLES (or `api_client`,
    `nobody`); the reader's token is issued only when asked for."""
    return signing_in(request, users, api=False)


@pytest.fixture
def api_as(request, users):
    """api_as(role): as client_as, with DRF's APIClient."""
    return signing_in(request, users, api=True)
