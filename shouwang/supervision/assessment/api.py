"""``/api/indicators/`` and ``/api/scorecards/``: the indicator definitions and the stored scorecards.

Scorecard rows are scoped like the pages (``assessment.visible_rows``, i.e.
``ScorecardRow.objects.restrict``): a township officer gets their township's row and its
villages, nothing of another township. Rows come from stored snapshots; computing one is the
county's page action (a background job), not an API call.
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from . import services as assessment
from .indicators import INDICATORS
from .models import ScorecardLevel, ScorecardRow


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

    @extend_schema(responses=IndicatorSerializer(many=True))
    def list(self, request: Request) -> Response:
        if not assessment.may_view(request.user):
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


def _date(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: ["Use YYYY-MM-DD."]}) from None


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("start", str, description="period start (YYYY-MM-DD); with end; default: the latest period"),
    OpenApiParameter("end", str, description="period end (YYYY-MM-DD)"),
    OpenApiParameter("level", str, enum=["township", "village"], description="default: township"),
    OpenApiParameter("township", str, description="villages of this township (9 digits)"),
    OpenApiParameter("county", str, description="county code, for users above one county"),
]))
class ScorecardViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Ranked rows of a stored scorecard for a period, the user's scope only."""

    serializer_class = ScorecardRowSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[ScorecardRow]:
        request = self.request
        county = assessment.chosen_county(assessment.counties_for(request.user), request.query_params.get("county"))
        if not county:
            return ScorecardRow.objects.none()
        start, end = _date(request, "start"), _date(request, "end")
        if start and end:
            snapshot = assessment.snapshot_for(county, start, end)
        elif start or end:
            raise ValidationError({"end": ["Give both start and end, or neither."]})
        else:
            snapshot = assessment.latest_snapshot(county)
        level = request.query_params.get("level") or ScorecardLevel.TOWNSHIP
        if level not in ScorecardLevel.values:
            raise ValidationError({"level": ["township or village"]})
        return assessment.visible_rows(request.user, snapshot, level, parent=request.query_params.get("township", ""))


router = SimpleRouter()
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("scorecards", ScorecardViewSet, basename="scorecard")

urlpatterns: list = [*router.urls]
