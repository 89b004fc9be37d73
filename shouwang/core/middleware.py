"""Per-request audit context (user, request id) for the change and access logs."""

from __future__ import annotations

import uuid

from .audit import AuditContext, _context


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        request.request_id = request_id
        ctx = AuditContext(request_id=request_id, source=f"{request.method} {request.path}", request=request)
        token = _context.set(ctx)
        try:
            response = self.get_response(request)
        finally:
            _context.reset(token)
        response["X-Request-ID"] = request_id
        return response
