"""``/api/households/``: read-only, scoped exactly like the household pages."""

from __future__ import annotations

from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from shouwang.core.permissions import DeclaredAction

from .filters import HouseholdFilter
from .queries import household_details_for, households_for
from .serializers import HouseholdDetailSerializer, HouseholdSerializer


class HouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    """Households in the user's region; one outside it answers 404, never 403 (no oracle)."""

    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = "view"
    answers_by_scope = True  # a role that reads nothing reads an empty list
    filterset_class = HouseholdFilter

    def get_queryset(self):
        if self.action == "retrieve":
            return household_details_for(self.request.user)
        return households_for(self.request.user)

    def get_serializer_class(self):
        return HouseholdDetailSerializer if self.action == "retrieve" else HouseholdSerializer
