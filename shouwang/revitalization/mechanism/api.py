"""``/api/revitalization/low-income-layers/`` (the layers of the user's region, read-only) and
``/api/revitalization/label-exit-candidates/?year=`` (the ex-poor label's candidates of the user's
county with the values of each condition), scoped like the pages."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from shouwang.cases.procedure.deadlines import today_date
from shouwang.core.permissions import DeclaredAction
from shouwang.registry.models import Household, LowIncomeLayer

from . import services
from .filters import LayerFilter
from .permissions import VIEW_MECHANISM


class LayerSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = LowIncomeLayer
        fields = ["id", "household", "household_number", "member", "region_code", "layer", "start", "end", "source",
                  "batch_id", "reference", "current"]
        read_only_fields = fields

    def get_current(self, obj) -> bool:
        return obj.current_on(today_date())


class LayerViewSet(viewsets.ReadOnlyModelViewSet):
    """The low-income layer periods of the user's region."""

    serializer_class = LayerSerializer
    filterset_class = LayerFilter
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_actions = {"list": VIEW_MECHANISM.name, "retrieve": VIEW_MECHANISM.name}

    def get_queryset(self) -> QuerySet:
        return (LowIncomeLayer.objects.restrict(self.request.user, VIEW_MECHANISM.name)
                .select_related("household").order_by("region_code", "household_id", "-start", "pk"))


class CandidatesView(APIView):
    """The ex-poor households of the user's county (in their region) that meet the county's exit conditions."""

    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = VIEW_MECHANISM.name

    @extend_schema(parameters=[OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False)],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        try:
            year = int(request.query_params.get("year") or today_date().year)
        except ValueError:
            year = today_date().year
        county = services.county_for(request.user, request.query_params.get("county") or "")
        conditions = services.exit_conditions(county, year)
        households = Household.objects.restrict(request.user, VIEW_MECHANISM.name)
        paginator = PageNumberPagination()
        paginator.page_size = 100
        page = paginator.paginate_queryset(services.exit_candidates(households, conditions), request, view=self)
        values = services.candidate_values(page, conditions)
        return paginator.get_paginated_response({
            "conditions": conditions.as_dict(),
            "candidates": [{"household": h.pk, "number": h.number, "region_code": h.region_code, **values[h.pk]}
                           for h in page],
        }) if page is not None else Response({"conditions": conditions.as_dict(), "candidates": []})


router = SimpleRouter()
router.register("revitalization/low-income-layers", LayerViewSet, basename="revitalization-lowincomelayer")

urlpatterns: list = [
    *router.urls,
    path(
        "revitalization/label-exit-candidates/", CandidatesView.as_view(), name="revitalization-label-exit-candidates"),
]
