"""Field work over the API: visits (list, record), self-reports (read), campaigns and their progress.

Scoped like the pages: every queryset comes from the services, which go through ``restrict``;
an object outside the user's region answers 404 and a household outside it cannot be named
in a new visit. Personal numbers appear only masked; fields are listed, never ``__all__``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from shouwang.registry.models import Household

from .. import fieldwork
from ..models import Campaign, CampaignStatus, CampaignTask, SelfReport, SelfReportStatus, TaskStatus, Visit


def status_field(choices: type[models.TextChoices]) -> serializers.ChoiceField:
    """A read-only status whose values the schema lists inline.

    Several models have a ``status`` with choices of their own (warnings, campaigns, tasks,
    reports); drf-spectacular names every enum component after its field and warns when two
    choice sets share a name. Wrapped in ``allOf`` the enum stays in place, a valid schema
    that its component-naming step leaves alone. (``ENUM_NAME_OVERRIDES`` in settings would
    do it too, for every part at once.)
    """

    @extend_schema_field({"allOf": [{"type": "string", "enum": list(choices.values)}]})
    class StatusField(serializers.ChoiceField):
        pass

    return StatusField(choices=choices.choices, read_only=True)


class VisitSerializer(serializers.ModelSerializer):
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.none())
    household_number = serializers.CharField(source="household.number", read_only=True)
    visitor = serializers.CharField(source="visitor.username", read_only=True, default=None)

    class Meta:
        model = Visit
        fields = [
            "id",
            "household",
            "household_number",
            "region_code",
            "visited_on",
            "visitor",
            "food_secured",
            "clothing_secured",
            "education_secured",
            "medical_secured",
            "housing_secured",
            "water_secured",
            "income_estimate",
            "illness",
            "accident",
            "job_loss",
            "disaster",
            "at_risk",
            "note",
            "findings",
            "line_amount",
            "warning",
            "created_at",
        ]
        read_only_fields = ["region_code", "findings", "line_amount", "warning", "created_at"]
        extra_kwargs = {"visited_on": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only households the user may change can be named: others read as "does not exist".
            self.fields["household"].queryset = Household.objects.restrict(request.user, "change")

    def create(self, validated_data):
        visit = Visit(**validated_data)
        try:
            return fieldwork.record_visit(visit, self.context["request"].user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc


class VisitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Visits in the user's region; POST records one (a finding raises a warning)."""

    serializer_class = VisitSerializer

    def get_queryset(self):
        queryset = fieldwork.visits_for(self.request.user).order_by("-visited_on", "-id")
        household = self.request.query_params.get("household")
        if household:
            queryset = queryset.filter(household__number=household)
        return queryset

    @extend_schema(parameters=[OpenApiParameter("household", str, description="household number (户编号)")])
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args, **kwargs) -> Response:
        if not request.user.can("change"):
            raise PermissionDenied
        return super().create(request, *args, **kwargs)


class SelfReportSerializer(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    household_number = serializers.CharField(source="household.number", read_only=True, default=None)
    status = status_field(SelfReportStatus)

    class Meta:
        model = SelfReport
        fields = [
            "id",
            "created_at",
            "status",
            "region_code",
            "village",
            "village_name",
            "name",
            "id_masked",
            "phone_masked",
            "birth_year",
            "minor",
            "risk_type",
            "description",
            "guardian_name",
            "guardian_id_masked",
            "guardian_phone_masked",
            "household",
            "household_number",
            "warning",
            "close_reason",
            "closed_at",
        ]
        read_only_fields = fields


class SelfReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Self-reports in the user's region (staff only); numbers masked."""

    serializer_class = SelfReportSerializer

    def get_queryset(self):
        queryset = fieldwork.self_reports_for(self.request.user).order_by("-created_at", "-id")
        status = self.request.query_params.get("status")
        if status in SelfReportStatus.values:
            queryset = queryset.filter(status=status)
        return queryset

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=SelfReportStatus.values)])
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)


class CampaignSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    status = status_field(CampaignStatus)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "basis",
            "region",
            "region_code",
            "region_name",
            "starts_on",
            "ends_on",
            "status",
            "task_count",
            "created_at",
        ]
        read_only_fields = fields


class ProgressVillageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    percent = serializers.IntegerField()


class ProgressTownshipSerializer(ProgressVillageSerializer):
    villages = ProgressVillageSerializer(many=True)


class ProgressSerializer(ProgressVillageSerializer):
    townships = ProgressTownshipSerializer(many=True)


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Campaigns over, within or around the user's region; ``progress`` counts within it."""

    serializer_class = CampaignSerializer

    def get_queryset(self):
        return Campaign.objects.restrict(self.request.user).select_related("region")

    @extend_schema(responses=ProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk=None) -> Response:
        campaign = self.get_object()
        root = fieldwork.campaign_progress(campaign, request.user)
        data = root.as_dict()
        data.pop("villages", None)
        data["townships"] = [township.as_dict() for township in root.children]
        return Response(data)


class CampaignTaskSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    status = status_field(TaskStatus)

    class Meta:
        model = CampaignTask
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "household",
            "household_number",
            "region_code",
            "status",
            "visit",
            "done_at",
        ]
        read_only_fields = fields


class CampaignTaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Visit tasks in the user's region; filter by ``campaign`` and ``status``."""

    serializer_class = CampaignTaskSerializer

    def get_queryset(self):
        queryset = fieldwork.tasks_for(self.request.user).order_by(
            "campaign_id", "region_code", "household_id"
        )
        campaign = self.request.query_params.get("campaign", "")
        if campaign.isdigit():
            queryset = queryset.filter(campaign_id=int(campaign))
        status = self.request.query_params.get("status")
        if status in TaskStatus.values:
            queryset = queryset.filter(status=status)
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("campaign", int),
            OpenApiParameter("status", str, enum=TaskStatus.values),
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)
