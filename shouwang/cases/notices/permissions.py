"""Who posts a public notice: the village's cadres or its township's officers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

POST_NOTICE = declare(
    "cases.post_notice", label=_("Post a public notice for a village of one's region"),
    roles=(Role.VILLAGE, Role.TOWNSHIP),
    refusal=_("Public notices are posted by the village's cadres or its township's officers."),
)
