"""gunicorn settings for the portal: `gunicorn -c gunicorn.conf.py tuoyu_portal.wsgi`.

Every value can be overridden by an environment variable (or on the command line):

    GUNICORN_BIND       address(es) to listen on, comma-separated      127.0.0.1:8000
    GUNICORN_WORKERS    worker processes                               2 × CPU cores + 1 (at most 17)
    GUNICORN_THREADS    threads per worker                             1
    GUNICORN_TIMEOUT    seconds before a silent worker is restarted    60 (imports run in db_worker)
    GUNICORN_ACCESS_LOG where the access log goes ("-" = stdout)        -
    GUNICORN_ERROR_LOG  where gunicorn's own log goes ("-" = stderr)    -
    GUNICORN_LOG_LEVEL  gunicorn log level                             info
    GUNICORN_CONTROL_SOCKET  gunicorn's control socket (one per instance)  ~/.gunicorn/gunicorn.ctl

Behind a reverse proxy (deploy/nginx.conf) keep the app servers on a private address; set
FORWARDED_ALLOW_IPS to the proxy's address so X-Forwarded-* headers are trusted only from it.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = [item.strip() for item in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if item.strip()]
workers = _int("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 17))
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak cannot grow without bound; jitter avoids all restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Upload size is limited by Django and nginx; these bound the request line and headers.
limit_request_line = 8190
limit_request_fields = 100

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Remote address as seen by the proxy (X-Forwarded-For), request, status, size, referer, agent, duration (µs).
access_log_format = '%({x-forwarded-for}i)s %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "tuoyu-portal"
# gunicorn's control socket: one per instance when several run on one machine.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
# Load the application in each worker (not the master) so a database connection is never shared across fork.
preload_app = False
wsgi_app = "tuoyu_portal.wsgi:application"
