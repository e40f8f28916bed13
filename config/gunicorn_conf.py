"""gunicorn settings for `make serve` and the container (every value can be set in the environment).

WEB_CONCURRENCY workers (default: 2 × CPU, at most 8) × GUNICORN_THREADS threads. On SQLite, keep one
machine: every worker shares the database file (WAL, busy timeout: see docs/operations.md).
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get(
    "GUNICORN_BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
workers = int(os.environ.get("WEB_CONCURRENCY", min(8, 2 * multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Off by default: maillage.requests logs each request (route pattern, no path: signed tokens stay out).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# The reverse proxy sets X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER); trust it from these addresses only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "config.wsgi:application"
# The app (every view, see config/wsgi.py) is imported once in the master, then the workers fork ready:
# a new or recycled worker answers its first request at once. GUNICORN_PRELOAD=0 to reload code on HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
