"""``/api/policies/``: the county's policy catalogue. Everyone in the county reads; its officers write.

Writes go through ``services.save_policy`` (rule checked, versioned, logged); a policy is never
deleted (set ``active`` false), its versions stay. ``GET /api/policies/{id}/eligible/?year=Y``
counts who is eligible by township, in the caller's region.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from shouwang.cases.catalogue.models import MeasureType
from shouwang.core.permissions import DeclaredAction, home_region, restrict
from shouwang.core.regioncodes import level_of

from .filters import PolicyFilter
from .models import Policy, PolicyVersion
from .permissions import MANAGE_POLICY, VIEW_POLICY
from .services import eligible_by_township, latest_year, save_policy


class PolicyVersionSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(source="changed_by.username", read_only=True, default=None)

    class Meta:
        model = PolicyVersion
        fields = ["version", "expression", "parameters", "amount", "amount_verified", "active", "data", "changed_by",
                  "changed_at"]
        read_only_fields = fields


class PolicySerializer(serializers.ModelSerializer):
    measure_type = serializers.SlugRelatedField(slug_field="code", allow_null=True, required=False,
                                                queryset=MeasureType.objects.all())

    class Meta:
        model = Policy
        fields = ["id", "region_code", "code", "name_zh", "name_en", "department", "legal_basis", "continuity", "kind",
                  "start_date", "end_date", "subject", "amount", "amount_verified", "benefit_form", "source",
                  "source_url", "measure_type", "expression", "parameters", "description", "active", "version",
                  "updated_at"]
        read_only_fields = ["id", "region_code", "version", "updated_at"]
        validators: list = []  # the (county, code) uniqueness is checked by save_policy


class PolicyDetailSerializer(PolicySerializer):
    versions = PolicyVersionSerializer(many=True, read_only=True)

    class Meta(PolicySerializer.Meta):
        fields = PolicySerializer.Meta.fields + ["versions"]


class EligibleCountSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    households = serializers.IntegerField()
    people = serializers.IntegerField(allow_null=True)


class PolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, viewsets.GenericViewSet):
    filterset_class = PolicyFilter
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = VIEW_POLICY.name  # and for methods it does not serve (DELETE: 405)
    required_actions = {"create": MANAGE_POLICY.name, "update": MANAGE_POLICY.name,
                        "partial_update": MANAGE_POLICY.name}
    answers_by_scope = True  # a role that reads nothing reads an empty list

    def get_queryset(self):
        qs = restrict(self.request.user, Policy.objects.select_related("measure_type"), VIEW_POLICY.name)
        if self.action == "retrieve":
            qs = qs.prefetch_related("versions__changed_by")
        return qs.order_by("region_code", "code")

    def get_serializer_class(self):
        return PolicyDetailSerializer if self.action == "retrieve" else PolicySerializer

    def _save(self, serializer) -> None:
        policy = serializer.instance or Policy()
        if policy.pk is None:
            prefix = home_region(self.request.user) or ""
            policy.region_code = prefix if level_of(prefix) == "county" else ""
        for name, value in serializer.validated_data.items():
            setattr(policy, name, value)
        if policy.parameters is None:
            policy.parameters = {}
        try:
            serializer.instance = save_policy(policy, self.request.user)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None

    perform_create = _save
    perform_update = _save

    @extend_schema(parameters=[OpenApiParameter("year", int, description="the year (default: the latest recorded)")],
                   responses=EligibleCountSerializer(many=True))
    @action(detail=True, methods=["get"])
    def eligible(self, request: Request, pk=None) -> Response:
        """Eligible households (and people, for a person policy) by township in the caller's region."""
        policy = self.get_object()
        try:
            year = int(request.query_params.get("year") or latest_year(policy.region_code) or 0)
        except ValueError:
            raise ValidationError({"year": "A year is a number."}) from None
        if not year:
            return Response([])
        prefix = home_region(request.user) or ""
        region = prefix if prefix.startswith(policy.region_code) else ""
        return Response(EligibleCountSerializer(eligible_by_township(policy, year, region), many=True).data)


# --- routes, collected in revitalization/api_urls.py ---------------------------------------------

router = SimpleRouter()
router.register("policies", PolicyViewSet, basename="policy")

urlpatterns: list = [*router.urls]
