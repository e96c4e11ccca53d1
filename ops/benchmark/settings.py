"""Settings for the benchmark process and its gunicorn workers: the portal's settings, pointed at the
benchmark database (BENCH_DATABASE, default tuoyu_bench), with the trivial view's URL added and the API's
per-client throttle raised out of the way (it still runs and still counts in the cache on every request).

STATISTICS_COUNT_SYNTHETIC is on only here: in the benchmark database every facility is synthetic, and the
statistics must add them up to be worth measuring. The portal's settings never set it.
"""

import os

from ops.benchmark.database import DEFAULT_NAME, check_name
from tuoyu_portal.settings import *  # noqa: F403
from tuoyu_portal.settings import ALLOWED_HOSTS, DATABASES, REST_FRAMEWORK, STORAGES

DATABASES["default"]["NAME"] = check_name(os.environ.get("BENCH_DATABASE", DEFAULT_NAME))
DATABASES.pop("replica", None)
ROOT_URLCONF = "ops.benchmark.urls"
STATISTICS_COUNT_SYNTHETIC = True
# BENCH_LIST_CACHE=off: every list page read from the database (the throughput of pages not yet cached)
API_LIST_CACHE_MB = 0 if os.environ.get("BENCH_LIST_CACHE") == "off" else 32
DEBUG = False
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "127.0.0.1", "localhost", "testserver"]
SECURE_SSL_REDIRECT = False
# Plain static storage: pages render without a collectstatic manifest (the production storage needs one,
# and a DATABASE_URL run picks production settings).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"client": "100000000/min", "anonymous": "100000000/min"},
}
