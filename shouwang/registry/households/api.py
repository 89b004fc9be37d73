"""``/api/households/``: read-only, scoped exactly like the household pages.

A whole ID number is never a query parameter (it would sit in every access log on the way):
the list's ``q`` refuses one, and ``POST /api/households/search-by-id/`` takes it in the body,
matches it through the blind index and records the search in the access log, as the page does.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from shouwang.core.audit import record_access
from shouwang.core.idnumbers import mask_id_number
from shouwang.core.permissions import DeclaredAction

from .filters import HouseholdFilter
from .forms import IdSearchForm
from .queries import find_by_id_number, household_details_for, households_for
from .serializers import HouseholdDetailSerializer, HouseholdSerializer

ID_SEARCH_LIMIT = 50


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

    @extend_schema(
        request=inline_serializer("HouseholdIdSearch", {"id_number": serializers.CharField(max_length=40)}),
        responses=HouseholdSerializer(many=True), filters=False,
    )
    @action(detail=False, methods=["post"], url_path="search-by-id", filter_backends=[], pagination_class=None)
    def search_by_id(self, request: Request) -> Response:
        """The households of the user's region with a member of this full ID number (sent in the body)."""
        form = IdSearchForm(request.data)
        if not form.is_valid():
            return Response({"id_number": form.errors["id_number"]}, status=status.HTTP_400_BAD_REQUEST)
        number = form.cleaned_data["id_number"]
        found = list(find_by_id_number(households_for(request.user), number).order_by("number")[:ID_SEARCH_LIMIT])
        record_access("search_id", object_type="household", fields="id_number",
                      detail={"id_masked": mask_id_number(number), "results": len(found), "via": "api"})
        return Response(HouseholdSerializer(found, many=True).data)
