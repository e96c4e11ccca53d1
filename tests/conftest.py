import pytest

from tuoyu_portal.seed import seed_all


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
