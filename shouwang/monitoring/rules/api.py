"""``/api/rules/``: the screening rules and their versions, read only (the rule page edits them)."""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction, can

from .filters import RuleFilter
from .models import Rule, RuleVersion
from .permissions import VIEW_RULE


class RuleVersionSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RuleVersion
        fields = ["version", "expression", "parameters", "active", "severity", "risk_type", "changed_by",
                  "changed_at"]
        read_only_fields = fields


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rule
        fields = ["id", "code", "name_zh", "name_en", "risk_type", "severity", "expression", "parameters",
                  "description", "active", "version", "updated_at"]
        read_only_fields = fields


class RuleDetailSerializer(RuleSerializer):
    versions = RuleVersionSerializer(many=True, read_only=True)

    class Meta(RuleSerializer.Meta):
        fields = RuleSerializer.Meta.fields + ["versions"]
        read_only_fields = fields


class RuleViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = RuleFilter
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = VIEW_RULE.name
    answers_by_scope = True  # a role that reads nothing reads an empty list

    def get_queryset(self):
        # Rules have no region (they hold everywhere): the role decides alone.
        if not can(self.request.user, VIEW_RULE.name):
            return Rule.objects.none()
        qs = Rule.objects.order_by("code")
        if self.action == "retrieve":
            qs = qs.prefetch_related("versions__changed_by")
        return qs

    def get_serializer_class(self):
        return RuleDetailSerializer if self.action == "retrieve" else RuleSerializer


# --- routes, collected in monitoring/api_urls.py -------------------------------------------------

router = SimpleRouter()
router.register("rules", RuleViewSet, basename="rule")

urlpatterns: list = [*router.urls]
