"""The base actions every part's data is read and changed under, and who may do them.

Region decides *where*, these decide *what*. Features declare their own, narrower actions in
their ``permissions.py``; the region-keyed querysets of every part are filtered by
``restrict(user, queryset, "view")`` (or ``"change"``…) with the actions declared here. The
administrator manages the system and users but does not read the audit log, and the auditor reads
it but changes nothing (三员分立, security.md §1.1 访问控制 d).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.core.permissions import declare

from .models import Role

STAFF_ROLES = (Role.VILLAGE, Role.TOWNSHIP, Role.COUNTY, Role.ADMIN)

VIEW = declare("view", label=_("See the data of one's region"),
               roles=(*STAFF_ROLES, Role.LEADER, Role.AUDITOR))
CHANGE = declare("change", label=_("Change the data of one's region"), roles=STAFF_ROLES)
IMPORT = declare("import", label=_("Import registry spreadsheets"), roles=(Role.TOWNSHIP, Role.COUNTY, Role.ADMIN))
AUDIT = declare("audit", label=_("Read the change and access logs"), roles=(Role.AUDITOR,))
MANAGE_USERS = declare("manage_users", label=_("Manage users"), roles=(Role.ADMIN,))
FEED = declare("feed", label=_("Import department feeds"), roles=(Role.COUNTY, Role.ADMIN, Role.DEPARTMENT))
