"""Per-request audit context (user, request id, client address) for the change and access logs.

The request id is the server's own (a random UUID), never the client's ``X-Request-ID``: a client
could otherwise choose the id its entries are filed under, or reuse another request's. It is sent
back in the ``X-Request-ID`` response header, for a user reporting a problem.
"""

from __future__ import annotations

import uuid

from .audit import AuditContext, _context
from .throttling import client_address


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = uuid.uuid4().hex
        request.request_id = request_id
        ctx = AuditContext(request_id=request_id, source=f"{request.method} {request.path}", request=request,
                           client_ip=client_address(request))
        token = _context.set(ctx)
        try:
            response = self.get_response(request)
        finally:
            _context.reset(token)
        response["X-Request-ID"] = request_id
        return response
