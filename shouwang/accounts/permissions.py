"""The base actions every part's data is read and changed under, and who may do them.

Region decides *where*, these decide *what*. Features declare their own, narrower actions in
their ``permissions.py``; the region-keyed querysets of every part are filtered by
``restrict(user, queryset, "view")`` (or ``"change"``…) with the actions declared here. The
administrator manages the system and users but does not read the audit log, and the auditor reads
it but changes nothing (三员分立, security.md §1.1 访问控制 d).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shouwang.core.permissions import Scope, can, declare, home_region
from shouwang.core.regioncodes import level_of

from .models import Role

STAFF_ROLES = (Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY, Role.ADMIN)

VIEW = declare("view", label=_("See the data of one's region"),
               roles=(*STAFF_ROLES, Role.LEADER, Role.AUDITOR))
CHANGE = declare("change", label=_("Change the data of one's region"), roles=STAFF_ROLES)
AUDIT = declare("audit", label=_("Read the change and access logs"), roles=(Role.AUDITOR,))
# The home page's warning that the nightly verification found the audit log tampered with (or
# could not run): the auditor, who reads the log, and the administrator, who runs the server.
AUDIT_ALERT = declare("audit_alert", label=_("See the warning that the audit log failed verification"),
                      roles=(Role.AUDITOR, Role.ADMIN))
MANAGE_USERS = declare("manage_users", label=_("Manage users"), roles=(Role.ADMIN,))
# Importing the registry and sending department feeds are the features' own actions:
# ``registry.import`` (registry/imports) and ``monitoring.feed`` (monitoring/feeds).
# The regions part sits below accounts and cannot name the roles, so its one action is declared
# here: one's region, the regions in it and those above it (for breadcrumbs), by whoever reads.
VIEW_REGIONS = declare("regions.view", label=_("See one's region, the regions in it and those above it"),
                       roles=VIEW.roles, scope=Scope.ON_PATH)
# A failed job shows every user a translated sentence; its traceback (core.jobs) only to these.
JOB_ERRORS = declare("job_errors", label=_("Read the technical details of a failed job"), roles=(Role.ADMIN,))
# Resetting a user's second factor (a lost phone) is part of managing users: the administrator of
# the user's county, in the change log.
RESET_TWO_FACTOR = declare("accounts.reset_two_factor", label=_("Reset a user's second factor (logged)"),
                           roles=MANAGE_USERS.roles)
EDIT_SECURITY_SETTINGS = declare(
    "accounts.edit_security_settings",
    label=_("Change the county's login rules (two factors for all, password history and expiry)"),
    roles=(Role.ADMIN,), refusal=_("Only the county administrator may change the login rules."),
)

# The rights that make an account worth more than its password (security.md G17): whoever holds
# one must log in with a second factor. Declared by their features; asked here by name, since
# accounts sits below them.
TWO_FACTOR_ACTIONS = (
    "registry.unmask",  # see ID numbers in clear
    "cases.unmask_contact",
    "supervision.export_unmasked",  # export them
    MANAGE_USERS.name,  # administer
    EDIT_SECURITY_SETTINGS.name,
)
# Approving at county level: acting on a case's procedure from a county (or higher) region, where
# the county's approval step (县级审批) is taken.
APPROVE_ACTION = "cases.complete_step"
APPROVING_LEVELS = ("county", "prefecture", "province")


def must_use_two_factor(user: Any) -> bool:
    """Whether ``user`` must log in with a second factor: a right in ``TWO_FACTOR_ACTIONS``, approval at
    county level, or the county's rule that every account uses two factors."""
    from .models import SecuritySettings

    region = home_region(user)
    if not region:
        return False
    if any(can(user, action) for action in TWO_FACTOR_ACTIONS):
        return True
    if can(user, APPROVE_ACTION) and level_of(region) in APPROVING_LEVELS:
        return True
    return SecuritySettings.for_region(region).require_two_factor_for_all
