"""Who proposes, reviews and decides projects, records their money and households, imports and sets targets.

The workflow is "村申报、乡审核、县审定": a village cadre proposes for their own village, a
township officer reviews the projects of their township's villages, a county officer (or the
county administrator) decides. Each action is limited to its level and, on a project, to the
user's region (``Scope.WITHIN``): a township officer of another township cannot review, a
township officer cannot decide. Reading is the base ``view`` action.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

COUNTY_ROLES = (Role.COUNTY, Role.ADMIN)

PROPOSE = declare(
    "revitalization.propose_project", label=_("Propose a project for one's own village (村申报)"),
    roles=(Role.VILLAGE,), levels=("village",),
    refusal=_("Only the village's cadre may propose a project for the village."),
)
REVIEW = declare(
    "revitalization.review_project", label=_("Review the projects one's township's villages propose (乡审核)"),
    roles=(Role.TOWNSHIP,), levels=("township",),
    refusal=_("Only an officer of the project's township may review it."),
)
DECIDE = declare(
    "revitalization.decide_project", label=_("Decide on reviewed projects for the county's library (县审定)"),
    roles=COUNTY_ROLES, levels=("county",),
    refusal=_("Only the county may decide which projects enter the library."),
)
RECORD_FUNDS = declare(
    "revitalization.record_project_funds", label=_("Record a project's fund sources and disbursements"),
    roles=COUNTY_ROLES, levels=("county",),
    refusal=_("Only the county records a project's funds and disbursements."),
)
RECORD_BENEFICIARIES = declare(
    "revitalization.record_project_beneficiaries",
    label=_("Record the households a project reaches (联农带农)"),
    roles=(Role.VILLAGE, Role.TOWNSHIP, *COUNTY_ROLES),
    refusal=_("Only staff whose region holds the project may record the households it reaches."),
)
ROLL_OVER = declare(
    "revitalization.roll_over_projects", label=_("Roll unfunded projects over to the next year's library"),
    roles=COUNTY_ROLES, levels=("county",),
    refusal=_("Only the county may roll projects over to the next year."),
)
IMPORT = declare(
    "revitalization.import_projects", label=_("Import projects from a spreadsheet"),
    roles=COUNTY_ROLES, levels=("county",),
    refusal=_("Only the county may import projects."),
)
EDIT_SETTINGS = declare(
    "revitalization.edit_project_settings",
    label=_("Change the county's target share of linkage funds for industry"),
    roles=(Role.ADMIN,), levels=("county",),
    refusal=_("Only the county administrator may change the project library's target."),
)
