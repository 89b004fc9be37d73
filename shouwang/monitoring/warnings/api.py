"""``/api/warnings/``: the warning queue, each warning's evidence and history, and acting on it.

Scoped like the pages: every lookup starts from ``Warning.objects.restrict(user, "view")``,
so a warning outside the user's region is absent from lists and answers 404.
Each warning lists its ``signals``: every rule and source gathered on it, with its evidence.
``POST /api/warnings/{id}/actions/`` with ``{"action": "verify"|"dismiss"|"escalate",
"reason": "…", "reasons": {"<signal id>": "…"}}`` moves it (escalating opens the case); a
refusal is 403 (role or region may not act) or 409 (not from this
status), with the reason in ``detail``; dismissing without a reason is 400.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction

from . import services as lifecycle
from .filters import WarningFilter
from .models import Signal, Warning, WarningTransition
from .permissions import ACT_ON_WARNING


class TransitionSerializer(serializers.ModelSerializer):
    # Plain strings: as enums they would repeat the warning status enum under two more names.
    from_status = serializers.CharField(read_only=True, help_text="status before (new, verifying, …)")
    to_status = serializers.CharField(read_only=True, help_text="status after")

    class Meta:
        model = WarningTransition
        fields = ["from_status", "to_status", "username", "at", "reason"]
        read_only_fields = fields


class SignalSerializer(serializers.ModelSerializer):
    """One rule or source gathered on the warning, with its own evidence."""

    channel = serializers.CharField(read_only=True, help_text="rule, feed, self_report or visit")
    rule_code = serializers.CharField(source="rule.code", read_only=True, allow_null=True, default=None)
    rule_name = serializers.CharField(source="rule.name", read_only=True, allow_null=True, default=None)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Signal
        fields = ["id", "channel", "rule_code", "rule_name", "rule_version", "raised_on", "open", "case_id",
                  "dismissal_reason", "evidence"]
        read_only_fields = fields

    def get_evidence(self, signal: Signal) -> dict:
        return lifecycle.public_evidence(signal.evidence)


class WarningSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    village_code = serializers.CharField(source="household.village_id", read_only=True)
    village_name = serializers.CharField(source="household.village.name", read_only=True)
    head_name = serializers.CharField(read_only=True, allow_null=True, default=None,
                                      help_text="the head of household's name")
    rule_code = serializers.CharField(source="rule.code", read_only=True, allow_null=True, default=None)
    rule_name = serializers.CharField(source="rule.name", read_only=True, allow_null=True, default=None)
    is_overdue = serializers.BooleanField(read_only=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    evidence = serializers.SerializerMethodField(help_text="the first signal's evidence; every signal's is in signals")
    signals = SignalSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField(help_text="the actions the requesting user may take now")

    class Meta:
        model = Warning
        fields = ["id", "household", "household_number", "head_name", "village_code", "village_name", "rule_code",
                  "rule_name", "rule_version", "year", "status", "channel", "due_date", "is_overdue", "evidence",
                  "created_at", "closed_at", "closed_by", "closing_note", "signals", "actions"]
        read_only_fields = fields

    def get_evidence(self, warning: Warning) -> dict:
        return lifecycle.public_evidence(warning.evidence)

    def get_actions(self, warning: Warning) -> list[str]:
        request = self.context.get("request")
        return [a.code for a in lifecycle.available_actions(getattr(request, "user", None), warning)]


class WarningDetailSerializer(WarningSerializer):
    transitions = TransitionSerializer(many=True, read_only=True)

    class Meta(WarningSerializer.Meta):
        fields = WarningSerializer.Meta.fields + ["transitions"]
        read_only_fields = fields


class ActionRequestSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(lifecycle.ACTIONS))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=lifecycle.MAX_REASON, default="")
    reasons = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=lifecycle.MAX_REASON), required=False, default=dict,
        help_text="dismissing: a reason per signal id; ``reason`` fills those left out",
    )


class CountRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    new = serializers.IntegerField()
    verifying = serializers.IntegerField()
    overdue = serializers.IntegerField()
    dismissed = serializers.IntegerField()
    escalated = serializers.IntegerField()


_REFUSAL = inline_serializer("ActionRefused", {"detail": serializers.CharField()})


class WarningViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = WarningFilter
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = "view"  # list, retrieve, counts
    required_actions = {"act": ACT_ON_WARNING.name}
    # A role that reads nothing reads an empty queue; acting on a warning outside the user's
    # region answers 404 before the action is asked (403, with the reason, inside it).
    answers_by_scope = True

    def get_queryset(self):
        qs = lifecycle.queue(self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("transitions")
        return qs.select_related("closed_by")

    def get_serializer_class(self):
        return WarningDetailSerializer if self.action in ("retrieve", "act") else WarningSerializer

    @extend_schema(request=ActionRequestSerializer,
                   responses={200: WarningDetailSerializer, 403: _REFUSAL, 409: _REFUSAL})
    @action(detail=True, methods=["post"], url_path="actions")
    def act(self, request: Request, pk=None) -> Response:
        warning = self.get_object()
        data = ActionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            reasons = {int(pk): text for pk, text in data.validated_data["reasons"].items() if str(pk).isdigit()}
            lifecycle.transition(warning, data.validated_data["action"], request.user, data.validated_data["reason"],
                                 reasons=reasons)
        except DjangoPermissionDenied as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        except lifecycle.TransitionNotAllowed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except lifecycle.ReasonRequired as exc:
            return Response({"reason": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        fresh = self.get_queryset().prefetch_related("transitions").get(pk=warning.pk)
        return Response(WarningDetailSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(responses=inline_serializer("WarningCounts", {
        "rows": CountRowSerializer(many=True), "total": CountRowSerializer(),
    }), filters=False)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def counts(self, request: Request) -> Response:
        """Warnings per township (per village for a township officer), overdue as of today."""
        rows, total = lifecycle.counts_by_area(request.user)
        return Response({
            "rows": CountRowSerializer(rows, many=True).data, "total": CountRowSerializer(total).data,
        })


# --- routes, collected in monitoring/api_urls.py -------------------------------------------------

router = SimpleRouter()
router.register("warnings", WarningViewSet, basename="warning")

urlpatterns: list = [*router.urls]
