"""Feed API: department systems push rows with a token; batches are read back, scoped.

``POST /api/feeds/{type}/rows/`` takes a JSON list of rows (or ``{"rows": [...]}``), each an
object keyed by the canonical column names (``id_number``, ``date``, ``amount``…) or the
Chinese headers a file would have (身份证号, 结算日期, 个人自付…). The rows go through exactly
the file import's checks, matching and event keys, so pushing the same rows twice changes
nothing. ``?dry_run=1`` checks without writing. The answer is the import summary (the
``import_feed --json`` shape): 201 when something was written, 200 otherwise, 400 when the
body itself cannot be used (not a list, too many rows, a required column absent everywhere).

``GET /api/feed-batches/`` lists the batches the user may see (county staff: their region's;
a department officer: their own); ``/api/feed-batches/{id}/`` adds the batch's leads, ID
numbers masked.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from shouwang.core.permissions import DeclaredAction

from .catalogue import FEED_SPECS
from .filters import FeedBatchFilter
from .models import FeedBatch, FeedLead
from .permissions import FEED
from .services import FeedImport, batches_for, leads_for


class FeedLeadSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeedLead
        fields = ["id", "row_number", "id_masked", "name", "kind", "date", "amount", "category", "reference",
                  "resolved_signal"]


class FeedBatchSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    channel = serializers.CharField(read_only=True, help_text="upload, command or api")

    class Meta:
        model = FeedBatch
        fields = ["id", "feed_type", "file_name", "sha256", "channel", "user", "region_code", "created_at", "total",
                  "accepted", "rejected", "created", "updated", "unchanged", "matched", "unmatched"]


class FeedBatchDetailSerializer(FeedBatchSerializer):
    leads = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()

    class Meta(FeedBatchSerializer.Meta):
        fields = [*FeedBatchSerializer.Meta.fields, "errors", "leads"]

    def get_errors(self, batch: FeedBatch) -> list[dict]:
        return (batch.report or {}).get("errors", [])

    def get_leads(self, batch: FeedBatch) -> list[dict]:
        leads = leads_for(self.context["request"].user).filter(batch=batch).order_by("row_number")
        return FeedLeadSerializer(leads, many=True).data


class FeedBatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Feed batches the user may see; another's batch answers 404."""

    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = FEED.name
    filterset_class = FeedBatchFilter

    def get_queryset(self):
        return batches_for(self.request.user).select_related("user")

    def get_serializer_class(self):
        return FeedBatchDetailSerializer if self.action == "retrieve" else FeedBatchSerializer


class FeedRowsView(APIView):
    """Push one batch of rows of a feed type."""

    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = FEED.name

    @extend_schema(
        request={"application/json": {"type": "array", "items": {"type": "object"}}},
        parameters=[
            OpenApiParameter("feed_type", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(FEED_SPECS)),
            OpenApiParameter("dry_run", OpenApiTypes.BOOL, OpenApiParameter.QUERY, required=False,
                             description="check and match only; write nothing"),
            OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False,
                             description="a name for the batch (the file name of a file import)"),
        ],
        responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
    )
    def post(self, request, feed_type: str):
        if feed_type not in FEED_SPECS:
            raise NotFound("Unknown feed type.")
        dry_run = str(request.query_params.get("dry_run", "")).lower() in ("1", "true", "yes")
        name = (request.query_params.get("name") or "api")[:255]
        importer = FeedImport(feed_type, request.user, channel=FeedBatch.Channel.API)
        report = importer.run_rows(request.data, name=name, commit=not dry_run)
        data = importer.summary()
        if report.total == 0 and report.errors:
            return Response(data, status=status.HTTP_400_BAD_REQUEST)
        return Response(data, status=status.HTTP_201_CREATED if report.committed else status.HTTP_200_OK)


# --- routes, collected in monitoring/api_urls.py -------------------------------------------------

router = SimpleRouter()
router.register("feed-batches", FeedBatchViewSet, basename="feedbatch")

urlpatterns: list = [
    path("feeds/<str:feed_type>/rows/", FeedRowsView.as_view(), name="feed-rows"),
    *router.urls,
]
