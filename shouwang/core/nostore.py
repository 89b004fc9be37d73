"""``Cache-Control: no-store`` on every response the application writes (ASVS 14.3.2).

Pages, API answers and downloads may carry personal data, so neither the browser nor a proxy may
keep a copy. Static files never reach this middleware (WhiteNoise answers them before it, with
its own caching headers); a view that writes something public on purpose says so with
``Cache-Control: public`` and is left alone.
"""

from __future__ import annotations

from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "public" not in response.get("Cache-Control", ""):
            patch_cache_control(response, no_store=True, private=True)
        return response
