"""Refusals of the procedure engine: each carries a translated ``reason`` and the HTTP status it means.

``NotYourLevel`` (HTTP 403: not this user's level or region) and ``NotAllowedNow`` (HTTP 409: not
at this stage, or a precondition such as the signed authorisation, the notice or an assistance
contact is missing). ``ReasonRequired`` and ``InvalidData`` are kinds of ``NotAllowedNow`` that
the API answers with 400 (the request itself is incomplete).
"""

from __future__ import annotations

from django.utils.functional import Promise


class ActionRefused(Exception):
    """An action the workflow does not allow; ``reason`` is a translated sentence for the user."""

    status_code = 409

    def __init__(self, reason: str | Promise):
        self.reason = str(reason)
        super().__init__(self.reason)


class NotYourLevel(ActionRefused):
    """Not this user's level or region (HTTP 403)."""

    status_code = 403


class NotAllowedNow(ActionRefused):
    """Not at this stage of the case, or a precondition is missing (HTTP 409)."""

    status_code = 409


class ReasonRequired(NotAllowedNow):
    """The action needs a written reason (HTTP 400)."""

    status_code = 400


class InvalidData(NotAllowedNow):
    """The action's data is missing or malformed (HTTP 400)."""

    status_code = 400
