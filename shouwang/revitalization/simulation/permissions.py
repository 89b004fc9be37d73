"""Who drafts, runs and adopts simulation scenarios: the county's officers, in their own county.

Drafting and reading the results is the county officers' and the administrator's (the results list
households); adopting changes lines, rules and policies, so it is the administrator's, who edits
them, and each change is asked again of its own service (``save_line``, ``save_rule``, the policy's).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

SIMULATE = declare(
    "revitalization.simulate", label=_("Draft and run simulations of lines, rules and policies"),
    roles=(Role.COUNTY, Role.ADMIN), levels=("county",),
    refusal=_("Only county officers may draft simulations, for their own county."),
)
ADOPT_SCENARIO = declare(
    "revitalization.adopt_scenario", label=_("Adopt a simulation scenario (changes the lines, rules or policies)"),
    roles=(Role.ADMIN,), levels=("county",),
    refusal=_("Only the county administrator may adopt a scenario."),
)
