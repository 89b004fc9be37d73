"""Serializers of the cases API. Fields are listed, never ``__all__``; phones appear masked only."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shouwang.cases.assistance.models import AssistanceContact, Measure, MeasureStatus
from shouwang.cases.casefiles.models import MAX_RISK_TYPES, Case, CaseSource, Category, EliminationMode
from shouwang.cases.procedure.context import open_procedure
from shouwang.cases.procedure.declarations import ACTION_NAMES, MAX_REASON
from shouwang.cases.procedure.engine import available_actions
from shouwang.cases.procedure.models import (
    Attachment,
    AttachmentKind,
    Level,
    ProcedureKind,
    ProcedureStatus,
    Step,
    StepCode,
    StepStatus,
    Transition,
)
from shouwang.monitoring.fieldwork.serializers import status_field


def plain_choice(choices) -> serializers.ChoiceField:
    """A read-only choice whose enum stays inline (see ``status_field``: no clashing component names)."""
    return status_field(choices)


class CaseActionSpecSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    needs_reason = serializers.BooleanField()
    step_code = serializers.CharField()
    data = serializers.DictField(help_text="data to send with the action, e.g. {\"mode\": \"natural\"}")


class CaseStepSerializer(serializers.ModelSerializer):
    code = plain_choice(StepCode)
    level = plain_choice(Level)
    status = plain_choice(StepStatus)
    is_overdue = serializers.SerializerMethodField()
    done_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Step
        fields = ["code", "level", "status", "opened_on", "due_date", "is_overdue", "done_at", "done_by", "note",
                  "done_on", "recorded_on", "late_reason"]
        read_only_fields = fields

    def get_is_overdue(self, step: Step) -> bool:
        return bool(step.is_overdue)


class CaseProcedureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = plain_choice(ProcedureKind)
    elimination_mode = serializers.CharField()
    started_on = serializers.DateField()
    due_date = serializers.DateField()
    status = plain_choice(ProcedureStatus)
    is_overdue = serializers.SerializerMethodField()
    steps = CaseStepSerializer(many=True, source="steps.all")

    def get_is_overdue(self, procedure) -> bool:
        return procedure.overdue_on()


class CaseSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    village_code = serializers.CharField(source="household.village_id", read_only=True)
    village_name = serializers.CharField(source="household.village.name", read_only=True)
    category = plain_choice(Category)
    source = plain_choice(CaseSource)
    status = serializers.CharField(
        read_only=True, help_text="identifying, monitored, eliminating, eliminated, rejected"
    )
    elimination_mode = serializers.CharField(read_only=True, help_text="assistance, natural or empty")
    risk_types = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    procedure = serializers.SerializerMethodField(help_text="the procedure under way, with its steps")
    allowed_actions = serializers.SerializerMethodField(help_text="the actions the requesting user may take now")

    class Meta:
        model = Case
        fields = ["id", "household", "household_number", "village_code", "village_name", "category", "risk_types",
                  "disaster_note", "source", "warning", "self_report", "visit", "first_clue_date", "status",
                  "identified_on", "eliminated_on", "elimination_mode", "green_channel", "no_labour_safety_net",
                  "is_overdue", "created_at", "procedure", "allowed_actions"]
        read_only_fields = fields

    @extend_schema_field(CaseProcedureSerializer(allow_null=True))
    def get_procedure(self, case: Case):
        current = open_procedure(case)
        return CaseProcedureSerializer(current).data if current else None

    @extend_schema_field(CaseActionSpecSerializer(many=True))
    def get_allowed_actions(self, case: Case) -> list[dict]:
        request = self.context.get("request")
        specs = available_actions(getattr(request, "user", None), case)
        return [{"name": a.name, "label": a.label, "needs_reason": a.needs_reason, "step_code": a.step_code,
                 "data": a.data} for a in specs]


class CaseContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssistanceContact
        fields = ["id", "name", "unit", "position", "phone_masked", "starts_on", "ends_on"]
        read_only_fields = fields


class CaseMeasureSerializer(serializers.ModelSerializer):
    measure_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    measure_type_name = serializers.CharField(source="measure_type.name", read_only=True)
    status = plain_choice(MeasureStatus)

    class Meta:
        model = Measure
        fields = ["id", "measure_type", "measure_type_name", "member", "description", "responsible_unit",
                  "responsible_person", "starts_on", "ends_on", "amount", "funding_source", "status", "green_channel",
                  "created_at", "recorded_on", "late_reason"]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    contacts = CaseContactSerializer(many=True, read_only=True)
    measures = CaseMeasureSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = CaseSerializer.Meta.fields + ["contacts", "measures"]
        read_only_fields = fields


class CaseAttachmentSerializer(serializers.ModelSerializer):
    kind = plain_choice(AttachmentKind)

    class Meta:
        model = Attachment
        fields = ["id", "kind", "original_name", "at"]
        read_only_fields = fields


class CaseTransitionSerializer(serializers.ModelSerializer):
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)
    level = serializers.CharField(read_only=True)
    attachments = CaseAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Transition
        fields = ["id", "action", "step_code", "from_status", "to_status", "username", "level", "at", "reason", "data",
                  "attachments"]
        read_only_fields = fields


class CaseQueueStepSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="procedure.case_id")
    household_number = serializers.CharField(source="procedure.case.household.number")
    kind = serializers.CharField(source="procedure.kind")
    code = plain_choice(StepCode)
    level = plain_choice(Level)
    is_overdue = serializers.BooleanField()

    class Meta:
        model = Step
        fields = ["id", "case", "household_number", "kind", "code", "level", "opened_on", "due_date", "is_overdue"]
        read_only_fields = fields


class CaseCreateSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    category = serializers.ChoiceField(choices=Category.choices)
    risk_types = serializers.ListField(child=serializers.CharField(max_length=30), min_length=1,
                                       max_length=MAX_RISK_TYPES, help_text="risk type codes, 1 to 5")
    source = serializers.ChoiceField(choices=CaseSource.choices, default=CaseSource.DIRECT)
    first_clue_date = serializers.DateField()
    warning = serializers.IntegerField(required=False, allow_null=True)
    self_report = serializers.IntegerField(required=False, allow_null=True)
    visit = serializers.IntegerField(required=False, allow_null=True)
    disaster_note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class CaseActionRequestSerializer(serializers.Serializer):
    """The action and its reason; the keys listed after them are each action's own data."""

    action = serializers.ChoiceField(choices=list(ACTION_NAMES))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REASON, default="")
    step = serializers.CharField(required=False, help_text="complete_step: the step code")
    mode = serializers.ChoiceField(choices=EliminationMode.choices, required=False, help_text="start_elimination")
    risk_types = serializers.ListField(child=serializers.CharField(), required=False, help_text="reidentify")
    first_clue_date = serializers.DateField(required=False, help_text="reidentify")
    name = serializers.CharField(required=False, help_text="add_contact")
    phone = serializers.CharField(required=False, help_text="add_contact")
    measure_type = serializers.CharField(required=False, help_text="add_measure: measure type code")
    done_on = serializers.DateField(required=False, help_text="complete_step, approve_*: the day the step was done "
                                                              "(default today)")
    late_reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REASON,
                                        help_text="required when a date is earlier than today (a late entry, 补录)")


class CaseMeasureCreateSerializer(serializers.Serializer):
    measure_type = serializers.CharField(help_text="measure type code, e.g. industry, health")
    member = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    responsible_unit = serializers.CharField(required=False, allow_blank=True, max_length=200)
    responsible_person = serializers.CharField(required=False, allow_blank=True, max_length=60)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    funding_source = serializers.CharField(required=False, allow_blank=True, max_length=200)
    status = serializers.CharField(required=False, default=MeasureStatus.PLANNED,
                                   help_text="planned, active, done or stopped")
    late_reason = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REASON,
                                        help_text="required when starts_on is earlier than today (a late entry, 补录)")
