"""``/api/revitalization/projects/``: the project library of the user's region, and its figures.

Same rules as the pages (:mod:`.services`): the rows are ``restrict``ed to the user's region and
filtered with :class:`.filters.ProjectFilter`; ``/api/revitalization/projects/{id}/`` adds the
project's funds, disbursements, workflow history and the households it reaches in the user's
region; ``/api/revitalization/projects/figures/?year=&region=`` gives the figures of the county's
page (a region outside the user's is refused with 403).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction

from . import services as service
from .filters import ProjectFilter
from .models import Beneficiary, Disbursement, Project, ProjectFund, ProjectStep


class FundSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectFund
        fields = ["source", "amount"]
        read_only_fields = fields


class DisbursementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Disbursement
        fields = ["id", "paid_on", "amount", "note"]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer):
    acted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ProjectStep
        fields = ["step", "level", "outcome", "reason", "acted_by", "acted_region", "created_at"]
        read_only_fields = fields


class BeneficiarySerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    monitored = serializers.BooleanField(read_only=True)

    class Meta:
        model = Beneficiary
        fields = ["id", "household_number", "region_code", "kind", "amount", "note", "monitored"]
        read_only_fields = fields


class ProjectSerializer(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    villages = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    funded = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    disbursed = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    households_reached = serializers.IntegerField(read_only=True)

    class Meta:
        model = Project
        fields = ["id", "year", "name", "region_code", "village_name", "villages", "goal", "category", "budget",
                  "status", "funded", "disbursed", "households_reached", "rolled_from", "created_at"]
        read_only_fields = fields


class ProjectDetailSerializer(ProjectSerializer):
    funds = FundSerializer(many=True, read_only=True)
    disbursements = DisbursementSerializer(many=True, read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    beneficiaries = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = ProjectSerializer.Meta.fields + ["description", "linkage", "funds", "disbursements", "steps",
                                                 "beneficiaries"]
        read_only_fields = fields

    @extend_schema_field(BeneficiarySerializer(many=True))
    def get_beneficiaries(self, project: Project) -> list[dict]:
        rows = service.visible_beneficiaries(self.context["request"].user, project)
        return BeneficiarySerializer(rows, many=True).data


FIGURES = inline_serializer("ProjectFigures", {
    "region_code": serializers.CharField(), "year": serializers.IntegerField(),
    "projects": serializers.IntegerField(), "allocated": serializers.DecimalField(max_digits=16, decimal_places=2),
    "linkage": serializers.DecimalField(max_digits=16, decimal_places=2),
    "linkage_industry": serializers.DecimalField(max_digits=16, decimal_places=2),
    "industry_share": serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True),
    "target": serializers.DecimalField(max_digits=5, decimal_places=2),
    "meets_target": serializers.BooleanField(allow_null=True),
    "disbursed": serializers.DecimalField(max_digits=16, decimal_places=2),
    "disbursement_rate": serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True),
    "households": serializers.IntegerField(), "monitored_households": serializers.IntegerField(),
})


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """The projects of the user's region (newest year first), and the library's figures."""

    permission_classes = [IsAuthenticated, DeclaredAction]
    answers_by_scope = True  # the rows are ``restrict``ed: a role that may not view gets none
    required_actions = {"list": "view", "retrieve": "view", "figures": "view"}
    filterset_class = ProjectFilter

    def get_queryset(self):
        return service.projects_for(self.request.user).order_by("-year", "region_code", "id")

    def get_serializer_class(self):
        return ProjectDetailSerializer if self.action == "retrieve" else ProjectSerializer

    @extend_schema(
        parameters=[OpenApiParameter("year", int), OpenApiParameter("region", str)], responses={200: FIGURES},
    )
    @action(detail=False, methods=["get"])
    def figures(self, request: Request) -> Response:
        code = service.check_figures_region(request.user, request.query_params.get("region", ""))
        try:
            year = int(request.query_params.get("year") or service.today().year)
        except ValueError:
            year = service.today().year
        f = service.figures(code, year)
        return Response({
            "region_code": f.region_code, "year": f.year, "projects": f.projects, "allocated": f.allocated,
            "linkage": f.linkage, "linkage_industry": f.linkage_industry, "industry_share": f.industry_share,
            "target": f.target, "meets_target": f.meets_target, "disbursed": f.disbursed,
            "disbursement_rate": f.disbursement_rate, "households": f.households,
            "monitored_households": f.monitored_households,
        })


router = SimpleRouter()
router.register("revitalization/projects", ProjectViewSet, basename="revitalization-project")

urlpatterns: list = [*router.urls]
