"""What the household pages do beyond reading: showing a household's full phone numbers.

A cadre calls the households of their region; the full numbers are one click away for the roles
of ``registry.reveal_phone``, without a reason to type, and every reveal is in the access log.
ID numbers are not part of it: they stay masked unless unmasked with a reason.
"""

from __future__ import annotations

from shouwang.core.audit import record_access
from shouwang.core.permissions import require

from .models import Household, HouseholdType, Member
from .permissions import REVEAL_PHONE


def reveal_phones(user, household: Household) -> dict[int, str]:
    """The full phone numbers of the household's members (member id → number), logged once.

    Raises ``PermissionDenied`` unless the user may reveal phones of this household's region.
    """
    require(user, REVEAL_PHONE.name, household)
    members = Member.objects.restrict(user, "view").filter(household=household).exclude(phone_masked="")
    phones = {m.pk: m.phone for m in members.order_by("pk") if m.phone}
    record_access(
        "reveal_phone", object_type="household", object_id=household.pk, object_repr=household.number,
        region_code=household.region_code, fields="phone", detail={"members": len(phones)}, user=user,
    )
    return phones


def leave_ex_poor_label(household: Household) -> Household:
    """The household leaves the ex-poor label (原建档立卡户有序退出): its type becomes ordinary.

    Called by the county's decision (``revitalization.mechanism``), which records why; the save
    is in the registry's change log (``signals``), so the label's history stays readable.
    """
    if household.household_type != HouseholdType.EX_POOR:
        return household
    household.household_type = HouseholdType.ORDINARY
    household.save(update_fields=["household_type"])
    return household
