"""Serializers of the field-work API (visits, campaigns and their progress, visit tasks).

``status_field`` is shared: every status with choices of its own (self-reports, cases) uses it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from shouwang.registry.models import Household

from . import services as fieldwork
from .models import Campaign, CampaignStatus, CampaignTask, TaskStatus, Visit
from .permissions import RECORD_VISIT


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
            self.fields["household"].queryset = Household.objects.restrict(request.user, RECORD_VISIT.name)

    def create(self, validated_data):
        visit = Visit(**validated_data)
        try:
            return fieldwork.record_visit(visit, self.context["request"].user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from exc
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc


class CampaignSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    status = status_field(CampaignStatus)
    task_count = serializers.IntegerField(
        source="tasks_seen", read_only=True, help_text="households of the campaign inside the caller's region",
    )

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
