"""``/api/relative-poverty/``: the relative-poverty figures; ``/api/relative-poverty-shares/``: the shares.

* ``GET /api/relative-poverty/?region=&year=``: a year's figures for a region and its townships or
  villages (``services.as_dict``: the county's median, the lines, people, and per line the poor
  people and households and P0, P1, P2 as fractions from 0 to 1). Defaults and scope as the page
  (:mod:`.filters`): the user's region and the latest year; a region outside it is 404.
* ``GET /api/relative-poverty/trend/?region=``: the region's figures for every year with data.
* ``GET /api/relative-poverty-shares/``: the shares the county set per year (those on the path to
  the user's region); ``POST`` ``{"region_code", "year", "shares": [40, 50], "note"}`` sets a year's
  (the county's officers; ``services.save_shares``, logged).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from shouwang.core.permissions import DeclaredAction, restrict

from . import services
from .filters import select
from .models import RelativeLineShares
from .permissions import EDIT_SHARES, VIEW_RELATIVE

REGION = OpenApiParameter("region", str, description="county, township or village code; default one's own region")
YEAR = OpenApiParameter("year", int, description="a year with income records; default the latest")


class RelativePovertyView(APIView):
    """A year's relative-poverty figures of a region and of its parts."""

    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = VIEW_RELATIVE.name

    @extend_schema(parameters=[REGION, YEAR], responses={200: OpenApiTypes.OBJECT},
                   summary="Relative-poverty figures of a year and region")
    def get(self, request: Request) -> Response:
        selection = select(request.user, request.query_params)
        if selection.year is None:
            return Response({"region": selection.region, "year": None, "years": []})
        data = services.as_dict(services.figures(selection.year, selection.region))
        return Response({**data, "years": selection.years})


class RelativePovertyTrendView(APIView):
    """The region's figures for every year with data, oldest first (without the parts)."""

    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = VIEW_RELATIVE.name

    @extend_schema(parameters=[REGION], responses={200: OpenApiTypes.OBJECT},
                   summary="Relative-poverty figures of a region over the years")
    def get(self, request: Request) -> Response:
        selection = select(request.user, {"region": request.query_params.get("region", "")})
        return Response({"region": selection.region,
                         "years": [services.as_dict(item) for item in services.trend(selection.region,
                                                                                      selection.years)]})


class SharesSerializer(serializers.ModelSerializer):
    shares = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=100), min_length=1)
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RelativeLineShares
        fields = ["id", "region_code", "year", "shares", "note", "changed_by", "created_at", "updated_at"]
        read_only_fields = ["id", "changed_by", "created_at", "updated_at"]
        validators: list = []  # one setting per county and year: saving updates it


class RelativeSharesViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = SharesSerializer
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = VIEW_RELATIVE.name
    required_actions = {"create": EDIT_SHARES.name}
    filterset_fields = ["region_code", "year"]

    def get_queryset(self):
        shares = restrict(self.request.user, RelativeLineShares.objects.all(), VIEW_RELATIVE.name)
        return shares.select_related("changed_by").order_by("region_code", "-year")

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        try:
            serializer.instance = services.save_shares(self.request.user, data["region_code"], data["year"],
                                                       data["shares"], data.get("note", ""))
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None


# --- routes, collected in revitalization/api_urls.py -------------------------------------------------

router = SimpleRouter()
router.register("relative-poverty-shares", RelativeSharesViewSet, basename="relative-poverty-shares")

urlpatterns: list = [
    path("relative-poverty/", RelativePovertyView.as_view(), name="relative-poverty"),
    path("relative-poverty/trend/", RelativePovertyTrendView.as_view(), name="relative-poverty-trend"),
    *router.urls,
]
