"""``/api/revitalization/gaps/``: a policy's gaps in the user's region, with the reasons.

``GET /api/revitalization/gaps/?policy=<id>&year=<year>&kind=not_enrolled|not_eligible&region=<code>``
lists the subjects page by page, each with ``conditions`` (every condition of the eligibility rule,
its facts' values and whether it holds); ``GET /api/revitalization/gaps/counts/?policy=…&year=…&region=…``
gives both gaps' counts per township or village. Scoped like the pages (a region outside the user's
is the user's own).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction
from shouwang.monitoring.rules.compiler import RuleError

from . import services as service

PARAMETERS = [
    OpenApiParameter("policy", OpenApiTypes.INT, required=True, description="policy id"),
    OpenApiParameter("year", OpenApiTypes.INT, description="year (default: this year)"),
    OpenApiParameter("region", OpenApiTypes.STR, description="region code prefix inside the user's region"),
]


class GapRowSerializer(serializers.Serializer):
    household_id = serializers.IntegerField()
    household_number = serializers.CharField()
    member_id = serializers.IntegerField(allow_null=True)
    member = serializers.CharField()
    region_code = serializers.CharField()
    village = serializers.CharField()
    enrolments = serializers.IntegerField()
    paid = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    conditions = serializers.ListField(child=serializers.DictField())


class GapPagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


class GapViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_actions = {"list": "view", "counts": "view"}

    def _args(self, request: Request):
        params = request.query_params
        policy_id = params.get("policy", "")
        if not policy_id.isdigit():
            return None
        region = service.within(request.user, params.get("region", ""))
        policy = get_object_or_404(service.policies_for(service.within(request.user)), pk=int(policy_id))
        year_text = params.get("year", "")
        year = int(year_text) if year_text.isdigit() else timezone.localdate().year
        return policy, year, region

    @extend_schema(parameters=[*PARAMETERS, OpenApiParameter("kind", OpenApiTypes.STR, enum=list(service.KINDS))],
                   responses=GapRowSerializer(many=True))
    def list(self, request: Request) -> Response:
        args = self._args(request)
        if args is None:
            return Response({"policy": ["A policy id is required."]}, status=status.HTTP_400_BAD_REQUEST)
        policy, year, region = args
        kind = request.query_params.get("kind") or service.NOT_ENROLLED
        if kind not in service.KINDS:
            return Response({"kind": [f"One of {', '.join(service.KINDS)}."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            rows = service.gap_rows(kind, policy, year, region, user=request.user)
            paginator = GapPagination()
            page = paginator.paginate_queryset(rows, request, view=self)
            described = service.describe(page or [], policy, year)
        except RuleError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        data = [{"household_id": r.household_id, "household_number": r.household_number, "member_id": r.member_id,
                 "member": r.member, "region_code": r.region_code, "village": r.village, "enrolments": r.enrolments,
                 "paid": r.paid, "conditions": r.conditions} for r in described]
        return paginator.get_paginated_response(GapRowSerializer(data, many=True).data)

    @extend_schema(parameters=PARAMETERS, responses=inline_serializer("GapCounts", {
        "rows": serializers.ListField(child=serializers.DictField()), "total": serializers.DictField()}))
    @action(detail=False, methods=["get"])
    def counts(self, request: Request) -> Response:
        args = self._args(request)
        if args is None:
            return Response({"policy": ["A policy id is required."]}, status=status.HTTP_400_BAD_REQUEST)
        policy, year, region = args
        try:
            rows, total = service.counts_by_area(policy, year, region, user=request.user)
        except RuleError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response({"policy": policy.code, "year": year, "region": region,
                         "rows": [vars(r) for r in rows], "total": vars(total)})


router = SimpleRouter()
router.register("revitalization/gaps", GapViewSet, basename="revitalization-gap")

urlpatterns: list = [*router.urls]
