"""``/api/indicators/`` and ``/api/scorecards/``: the indicator definitions and the stored scorecards.

Scorecard rows are scoped like the pages (``ScorecardRow.objects.restrict``) and chosen by the
scorecard's one filter (:mod:`.filters`: county, period, level, township), as the pages and the
exports choose them: a township officer gets their township's row and its villages, nothing of
another township. Rows come from stored snapshots; computing one is the
county's page action (a background job), not an API call.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction, can

from . import services as assessment
from .filters import ScorecardFilter, scorecard_rows
from .indicators import INDICATORS
from .models import ScorecardRow


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    direction = serializers.CharField(help_text="higher or lower (which is better)")
    unit = serializers.CharField()
    scale = serializers.CharField(help_text="percent (the value is the points) or relative (best 100, worst 0)")
    formula = serializers.CharField()
    weight = serializers.FloatField(help_text="the weight in force for the user's county")


class IndicatorViewSet(viewsets.ViewSet):
    """The assessment indicators, their formulas and the weights the county set."""

    permission_classes = [IsAuthenticated, DeclaredAction]
    answers_by_scope = True  # a role that may not view reads an empty list, as before
    required_actions = {"list": "view"}

    @extend_schema(responses=IndicatorSerializer(many=True))
    def list(self, request: Request) -> Response:
        if not can(request.user, "view"):
            return Response([])
        county = assessment.county_of(request.user)
        _version, weights = assessment.current_weights(county) if county else (None, assessment.default_weights())
        data = [
            {"code": spec.code, "name_zh": spec.name_zh, "name_en": str(spec.name_en), "direction": spec.direction,
             "unit": str(spec.unit), "scale": spec.scale, "formula": spec.formula, "weight": weights.get(code, 0.0)}
            for code, spec in INDICATORS.items()
        ]
        return Response(IndicatorSerializer(data, many=True).data)


class ScorecardRowSerializer(serializers.ModelSerializer):
    period_start = serializers.DateField(source="snapshot.period_start")
    period_end = serializers.DateField(source="snapshot.period_end")
    score_change = serializers.FloatField(allow_null=True)
    rank_change = serializers.IntegerField(allow_null=True, help_text="places moved up (negative: down)")
    values = serializers.JSONField(help_text="indicator code → {numerator, denominator, value}")
    points = serializers.JSONField(help_text="indicator code → 0–100 points")

    class Meta:
        model = ScorecardRow
        fields = ["region_code", "name", "level", "parent_code", "period_start", "period_end", "score", "rank",
                  "rank_of", "score_change", "previous_score", "previous_rank", "rank_change", "values", "points"]
        read_only_fields = fields


class ScorecardViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Ranked rows of a stored scorecard for a period, the user's scope only."""

    serializer_class = ScorecardRowSerializer
    filterset_class = ScorecardFilter
    permission_classes = [IsAuthenticated, DeclaredAction]
    answers_by_scope = True  # rows come from ``visible_rows`` (``restrict``): none for a role without view
    required_actions = {"list": "view"}

    def get_queryset(self) -> QuerySet[ScorecardRow]:
        return scorecard_rows(self.request.user)


router = SimpleRouter()
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("scorecards", ScorecardViewSet, basename="scorecard")

urlpatterns: list = [*router.urls]
