"""Revitalization models, re-exported from the feature packages so that Django finds them (app label unchanged)."""
from .assets.models import Asset, AssetCheck, AssetDisposal, AssetIncome  # noqa: F401
from .cadres.models import Attendance, Cadre, CadreSettings, ContactLink, Training, TrainingAttendance  # noqa: F401
from .enrolment.models import Enrolment  # noqa: F401
from .mechanism.models import ExitSettings, LabelExit  # noqa: F401
from .policies.models import Policy, PolicyVersion  # noqa: F401
from .projects.models import (  # noqa: F401
    Beneficiary,
    Disbursement,
    Project,
    ProjectFund,
    ProjectSettings,
    ProjectStep,
)
from .relative.models import RelativeLineShares  # noqa: F401
from .simulation.models import Scenario  # noqa: F401
from .villages.models import VillageProfile, VillageSettings  # noqa: F401
