"""The registry's models, defined in its feature packages and re-exported here so Django finds them.

The households, their members and each year's income live in :mod:`.households.models`, with the
choices of their fields (re-exported too: other parts import them from here).
"""

from .households.models import (
    Education,
    Health,
    Household,
    HouseholdType,
    HouseholdYear,
    HousingGrade,
    IdType,
    Labour,
    LayerKind,
    LowIncomeLayer,
    Member,
    Relation,
    Schooling,
    Sex,
)
from .imports.models import ImportFingerprint

__all__ = [
    "Education",
    "Health",
    "Household",
    "HouseholdType",
    "HouseholdYear",
    "HousingGrade",
    "ImportFingerprint",
    "IdType",
    "Labour",
    "LayerKind",
    "LowIncomeLayer",
    "Member",
    "Relation",
    "Schooling",
    "Sex",
]
