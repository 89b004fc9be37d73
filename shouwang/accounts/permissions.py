"""The base actions every part's data is read and changed under, and who may do them.

Region decides *where*, these decide *what*. Features declare their own, narrower actions in
their ``permissions.py``; the region-keyed querysets of every part are filtered by
``restrict(user, queryset, "view")`` (or ``"change"``…) with the actions declared here. The
administrator manages the system and users but does not read the audit log, and the auditor reads
it but changes nothing (三员分立, security.md §1.1 访问控制 d).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.core.permissions import Scope, declare

from .models import Role

STAFF_ROLES = (Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY, Role.ADMIN)

VIEW = declare("view", label=_("See the data of one's region"),
               roles=(*STAFF_ROLES, Role.LEADER, Role.AUDITOR))
CHANGE = declare("change", label=_("Change the data of one's region"), roles=STAFF_ROLES)
AUDIT = declare("audit", label=_("Read the change and access logs"), roles=(Role.AUDITOR,))
MANAGE_USERS = declare("manage_users", label=_("Manage users"), roles=(Role.ADMIN,))
# Importing the registry and sending department feeds are the features' own actions:
# ``registry.import`` (registry/imports) and ``monitoring.feed`` (monitoring/feeds).
# The regions part sits below accounts and cannot name the roles, so its one action is declared
# here: one's region, the regions in it and those above it (for breadcrumbs), by whoever reads.
VIEW_REGIONS = declare("regions.view", label=_("See one's region, the regions in it and those above it"),
                       roles=VIEW.roles, scope=Scope.ON_PATH)
# A failed job shows every user a translated sentence; its traceback (core.jobs) only to these.
JOB_ERRORS = declare("job_errors", label=_("Read the technical details of a failed job"), roles=(Role.ADMIN,))
