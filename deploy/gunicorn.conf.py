"""Gunicorn settings for Shouwang's web server (docs/deploy.md; installed as /etc/shouwang/gunicorn.conf.py).

nginx terminates TLS and forwards to the unix socket below; gunicorn trusts the scheme header
(``X-Forwarded-Proto``) only from the socket or loopback, so Django sees HTTPS requests as secure
without a proxy setting of its own. Long work (imports, big exports, screening) runs on the task
worker, so a request that takes a minute is a fault, not a workload. Options given on the command
line win over this file (``make prod-check`` binds to loopback that way).
"""

import os

wsgi_app = "shouwang.wsgi:application"
proc_name = "shouwang"

# The socket nginx connects to; systemd creates /run/shouwang (RuntimeDirectory=shouwang).
# umask 007: the socket is rw for the service user and its group (nginx's user is added to it), no one else.
bind = os.environ.get("GUNICORN_BIND", "unix:/run/shouwang/gunicorn.sock")
umask = 0o007
# No control socket (gunicornc): systemd starts, reloads (HUP) and stops the server.
control_socket_disable = True

# Synchronous workers behind nginx, which buffers slow clients' uploads and downloads: the usual
# 2 × cores + 1, at most 9 (each holds a database connection and ~150 MB); WEB_CONCURRENCY overrides.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * (os.cpu_count() or 1) + 1, 9))
worker_class = "sync"
timeout = 60  # a worker silent this long is killed and replaced
graceful_timeout = 30  # on stop or reload, time for requests in flight to finish
keepalive = 5
# Replace each worker after about 2,000 requests: memory a long-lived process gathered goes back.
max_requests = 2000
max_requests_jitter = 200

# Errors to stderr (the journal: journalctl -u shouwang-web). Requests to their own file, rotated by
# /etc/logrotate.d/shouwang (SIGUSR1 reopens it). The line has the path without its query string and
# no referrer: a query string or a referrer may carry an ID number or a name typed into a search.
# The client address is the one nginx saw (X-Real-IP); the request id matches the audit log's.
errorlog = "-"
loglevel = "info"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "/var/log/shouwang/access.log")
access_log_format = '%({x-real-ip}i)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)s "%({x-request-id}o)s" "%(a)s"'
