"""Who opens a case.

Reading a case is the base action ``view`` (``shouwang.accounts.permissions``): every case is
found through ``Case.objects.restrict(user, "view")``. Acting on a case is the procedure's
(``shouwang.cases.procedure.permissions``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import Role
from shouwang.core.permissions import declare

OPEN_CASE = declare(
    "cases.open_case", label=_("Open a case for a household of one's region"),
    roles=(Role.VILLAGE, Role.TOWNSHIP),
    refusal=_("Cases are opened by village cadres and township officers."),
)

# Joint identification as a social-assistance object (社会救助对象) is a county decision with civil affairs.
RECORD_JOINT_IDENTIFICATION = declare(
    "cases.record_joint_identification",
    label=_("Record that a case is jointly identified as a social-assistance object"),
    roles=(Role.COUNTY, Role.ADMIN), levels=("county",),
    refusal=_("Joint identification is recorded by county officers."),
)
