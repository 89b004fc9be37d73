"""``/api/lines/``: the monitoring lines. Everyone with a view role reads; the administrator writes.

Writes go through ``services.save_line`` (validated, logged in the change log); a line is
never deleted, its history stays. ``GET /api/lines/{id}/history/`` lists the recorded changes.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from shouwang.core.models import ChangeLog
from shouwang.core.permissions import DeclaredAction

from .filters import MonitoringLineFilter
from .models import MonitoringLine
from .permissions import EDIT_LINE, VIEW_LINE
from .services import carry_forward, line_history, lines_for, save_line


class MonitoringLineSerializer(serializers.ModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    carried_note = serializers.CharField(
        read_only=True, help_text="沿用上年标准 (from YEAR) for a carried-forward line, empty otherwise")

    class Meta:
        model = MonitoringLine
        fields = ["id", "year", "region_code", "amount", "basis", "document_number", "source", "carried_forward",
                  "carried_from_year", "carried_note", "changed_by", "created_at", "updated_at"]
        # Carrying forward is its own action (``carry-forward``), which copies the earlier amount.
        read_only_fields = ["id", "carried_forward", "carried_from_year", "changed_by", "created_at", "updated_at"]
        # Uniqueness of (year, region) is checked by the model's full_clean in save_line.
        validators: list = []


class CarryForwardSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    region_code = serializers.CharField(max_length=6, allow_blank=True, default="")
    basis = serializers.CharField()


class LineChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeLog
        fields = ["id", "time", "username", "action", "before", "after"]
        read_only_fields = fields


class MonitoringLineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                            mixins.UpdateModelMixin, viewsets.GenericViewSet):
    serializer_class = MonitoringLineSerializer
    filterset_class = MonitoringLineFilter
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_action = VIEW_LINE.name  # and for methods it does not serve (DELETE: 405)
    required_actions = {"create": EDIT_LINE.name, "update": EDIT_LINE.name, "partial_update": EDIT_LINE.name,
                        "carry_forward": EDIT_LINE.name}
    answers_by_scope = True  # a role that reads nothing reads an empty list

    def get_queryset(self):
        return lines_for(self.request.user)

    def _save(self, serializer) -> None:
        line = serializer.instance or MonitoringLine()
        for name, value in serializer.validated_data.items():
            setattr(line, name, value)
        try:
            serializer.instance = save_line(line, self.request.user)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None

    perform_create = _save
    perform_update = _save

    @extend_schema(request=CarryForwardSerializer, responses={201: MonitoringLineSerializer})
    @action(detail=False, methods=["post"], url_path="carry-forward")
    def carry_forward(self, request: Request) -> Response:
        """Record 沿用上年标准: ``year`` keeps the line in force the year before, with its ``basis``."""
        body = CarryForwardSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            line = carry_forward(body.validated_data["year"], body.validated_data["region_code"], request.user,
                                 body.validated_data["basis"])
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None
        return Response(MonitoringLineSerializer(line).data, status=201)

    @extend_schema(responses=LineChangeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk=None) -> Response:
        line = self.get_object()
        return Response(LineChangeSerializer(line_history(line), many=True).data)


# --- routes, collected in monitoring/api_urls.py -------------------------------------------------

router = SimpleRouter()
router.register("lines", MonitoringLineViewSet, basename="monitoring-line")

urlpatterns: list = [*router.urls]
