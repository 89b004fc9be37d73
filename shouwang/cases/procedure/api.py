"""``/api/procedure-settings/``: the procedures' time limits per region prefix.

Everyone who may view reads those that bear on their region, the same rows as the page
(``services.settings_for``); the county administrator writes them. Saving goes through
:mod:`.services` (who may save which prefix, the change log), as on the pages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction

from . import services
from .models import ProcedureSettings


class ProcedureSettingsSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(max_length=15, allow_blank=True, required=False, default="",
                                        help_text="region code prefix; empty = everywhere (the longest prefix wins)")
    day_kind = serializers.CharField(required=False, help_text="calendar or working")

    class Meta:
        model = ProcedureSettings
        fields = ["id", "region_code", "total_days", "day_kind", "notice_min_days", "elimination_stable_months",
                  "step_days", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators: list = []  # the service upserts by prefix; uniqueness is not an error here


class ProcedureSettingsViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The procedures' time limits per region prefix; POST creates or replaces a prefix's (county admin)."""

    serializer_class = ProcedureSettingsSerializer
    filter_backends: list = []
    pagination_class = None
    permission_classes = [IsAuthenticated, DeclaredAction]
    answers_by_scope = True  # a role that may not read them reads an empty list, as before
    required_actions = {
        "list": "cases.view_procedure_settings", "retrieve": "cases.view_procedure_settings",
        "create": "cases.edit_procedure_settings",
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProcedureSettings.objects.none()
        return services.settings_for(self.request.user)

    @extend_schema(request=ProcedureSettingsSerializer, responses={201: ProcedureSettingsSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        body = ProcedureSettingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            saved = services.save_procedure_settings(request.user, dict(body.validated_data))
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(ProcedureSettingsSerializer(saved).data, status=status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("procedure-settings", ProcedureSettingsViewSet, basename="procedure-settings")

urlpatterns: list = [*router.urls]
