"""``/api/scenarios/``: simulation scenarios of the user's county (create, run, compare, adopt, who changes).

* ``POST /api/scenarios/`` ``{"name", "year", "note", "changes": {"lines": [...], "rules": [...],
  "policies": [...]}}`` saves a draft (``Scenario.changes``); ``POST /api/scenarios/preview/`` with the
  same body counts it without saving anything;
* ``POST /api/scenarios/{id}/run/`` counts it and keeps the result; ``GET /api/scenarios/{id}/subjects/
  ?section=monitoring|policy:ID&side=enter|leave&region=CODE&offset=&limit=`` lists who changes;
* ``GET /api/scenarios/compare/?a=ID&b=ID``; ``POST /api/scenarios/{id}/adopt/`` (the administrator).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction

from .engine import MONITORING, SIDES, Draft, SimulationError, changed_subjects, simulate
from .models import Scenario
from .permissions import ADOPT_SCENARIO, SIMULATE
from .services import adopt, check_draft, compare, county_of, draft_of, run_scenario, save_scenario, scenarios_for


class ScenarioSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    adopted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Scenario
        fields = ["id", "name", "region_code", "year", "note", "changes", "result", "ran_at", "status", "created_by",
                  "created_at", "adopted_at", "adopted_by"]
        read_only_fields = ["id", "region_code", "result", "ran_at", "status", "created_by", "created_at",
                            "adopted_at", "adopted_by"]


class DraftSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    changes = serializers.JSONField()


def _refused(exc: Exception):
    if isinstance(exc, DjangoPermissionDenied):
        return PermissionDenied(str(exc) or None)
    if isinstance(exc, SimulationError):
        return ValidationError({exc.field: [exc.message]})
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


class ScenarioViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    serializer_class = ScenarioSerializer
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = SIMULATE.name
    required_actions = {"adopt": ADOPT_SCENARIO.name}

    def get_queryset(self):
        if self.action == "adopt":
            from shouwang.core.permissions import restrict

            return restrict(self.request.user, Scenario.objects.all(), ADOPT_SCENARIO.name)
        return scenarios_for(self.request.user)

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        try:
            serializer.instance = save_scenario(self.request.user, name=data.get("name", ""), year=data["year"],
                                                changes=data.get("changes") or {}, note=data.get("note", ""))
        except (DjangoPermissionDenied, DjangoValidationError, SimulationError) as exc:
            raise _refused(exc) from None

    @extend_schema(request=DraftSerializer, responses={200: dict})
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        """Count a draft of the user's county without saving anything."""
        body = DraftSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            draft = Draft.from_changes(body.validated_data["year"], county_of(request.user),
                                       body.validated_data["changes"])
            check_draft(draft)
            return Response(simulate(draft).as_dict())
        except (DjangoPermissionDenied, SimulationError) as exc:
            raise _refused(exc) from None

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk=None) -> Response:
        scenario = self.get_object()
        try:
            return Response(run_scenario(scenario, request.user).as_dict())
        except (DjangoPermissionDenied, SimulationError) as exc:
            raise _refused(exc) from None

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def subjects(self, request: Request, pk=None) -> Response:
        scenario = self.get_object()
        side = request.query_params.get("side") or "enter"
        if side not in SIDES:
            raise ValidationError({"side": ["enter or leave"]})
        region = request.query_params.get("region") or scenario.region_code
        if not region.startswith(scenario.region_code):
            raise ValidationError({"region": ["a region inside the scenario's county"]})
        try:
            offset = max(0, int(request.query_params.get("offset") or 0))
            limit = min(500, max(1, int(request.query_params.get("limit") or 50)))
        except ValueError:
            raise ValidationError({"offset": ["a number"]}) from None
        try:
            rows, total = changed_subjects(draft_of(scenario), request.query_params.get("section") or MONITORING,
                                           side, region, offset=offset, limit=limit)
        except SimulationError as exc:
            raise _refused(exc) from None
        return Response({"count": total, "offset": offset, "results": [
            {"household": row.household_id, "member": row.member_id, "region_code": row.region_code,
             "people": row.people, "side": row.side} for row in rows]})

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def compare(self, request: Request) -> Response:
        try:
            first_id, second_id = int(request.query_params["a"]), int(request.query_params["b"])
        except (KeyError, ValueError):
            raise ValidationError({"a": ["two scenario ids, a and b"]}) from None
        first = get_object_or_404(scenarios_for(request.user), pk=first_id)
        second = get_object_or_404(scenarios_for(request.user), pk=second_id)
        try:
            return Response(compare(first, second, request.user))
        except (DjangoPermissionDenied, SimulationError) as exc:
            raise _refused(exc) from None

    @extend_schema(request=None, responses={200: ScenarioSerializer})
    @action(detail=True, methods=["post"])
    def adopt(self, request: Request, pk=None) -> Response:
        scenario = self.get_object()
        try:
            adopt(scenario, request.user)
        except (DjangoPermissionDenied, DjangoValidationError, SimulationError) as exc:
            raise _refused(exc) from None
        scenario.refresh_from_db()
        return Response(ScenarioSerializer(scenario).data)


# --- routes, collected in revitalization/api_urls.py ---------------------------------------------

router = SimpleRouter()
router.register("scenarios", ScenarioViewSet, basename="scenario")

urlpatterns: list = [*router.urls]
