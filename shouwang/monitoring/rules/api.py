"""``/api/rules/``: the screening rules and their versions, read only (the rule page edits them)."""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from .models import Rule, RuleVersion


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
    filterset_fields = ["active", "risk_type", "severity"]

    def get_queryset(self):
        user = self.request.user
        if not getattr(user, "is_authenticated", False) or not user.can("view"):
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
