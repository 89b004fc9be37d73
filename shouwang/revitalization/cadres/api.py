"""``/api/revitalization/cadres/`` and ``/api/revitalization/trainings/``: the register, read-only.

Same scope and filters as the pages (:class:`.filters.CadreFilter`, :class:`.filters.TrainingFilter`);
ID and phone numbers only masked (the clear values are on the person's page, with a reason).
``households_held``: the monitored households (open cases) the person is a current contact of.
"""

from __future__ import annotations

from datetime import date

from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction

from . import services
from .filters import CadreFilter, TrainingFilter
from .models import Cadre, Training
from .permissions import VIEW_CADRES


class CadreSerializer(serializers.ModelSerializer):
    households_held = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cadre
        fields = ["id", "kind", "name", "sex", "birth_year", "id_masked", "phone_masked", "region_code", "unit",
                  "position", "talent_type", "term_start", "term_end", "households_held"]
        read_only_fields = fields


class TrainingSerializer(serializers.ModelSerializer):
    invited = serializers.IntegerField(read_only=True)
    present = serializers.IntegerField(read_only=True)

    class Meta:
        model = Training
        fields = ["id", "title", "topic", "organiser", "place", "region_code", "starts_on", "ends_on", "hours",
                  "invited", "present"]
        read_only_fields = fields


class CadreViewSet(viewsets.ReadOnlyModelViewSet):
    """The register's people of the user's region."""

    serializer_class = CadreSerializer
    filterset_class = CadreFilter
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_actions = {"list": VIEW_CADRES.name, "retrieve": VIEW_CADRES.name}

    def get_queryset(self):
        scoped = Cadre.objects.restrict(self.request.user, VIEW_CADRES.name)
        return services.with_households_held(scoped, date.today()).order_by("region_code", "kind", "name", "pk")


class TrainingViewSet(viewsets.ReadOnlyModelViewSet):
    """Trainings organised in the user's region, with how many were invited and came."""

    serializer_class = TrainingSerializer
    filterset_class = TrainingFilter
    permission_classes = [IsAuthenticated, DeclaredAction]
    required_actions = {"list": VIEW_CADRES.name, "retrieve": VIEW_CADRES.name}

    def get_queryset(self):
        scoped = Training.objects.restrict(self.request.user, VIEW_CADRES.name)
        return services.training_counts(scoped).order_by("-starts_on", "pk")


router = SimpleRouter()
router.register("revitalization/cadres", CadreViewSet, basename="revitalization-cadre")
router.register("revitalization/trainings", TrainingViewSet, basename="revitalization-training")

urlpatterns: list = [*router.urls]
