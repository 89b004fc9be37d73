"""``/api/revitalization/enrolments/``: the enrolments of the user's region, and recording by hand.

``GET`` lists (filters of :class:`.filters.EnrolmentFilter`: ``policy``, ``year``, ``source``, ``region``,
``household``); ``POST`` records one by hand (``policy`` id, ``year``, ``household`` id, ``member`` id for a
person policy, ``starts_on``, ``ends_on``, ``amount``, ``note``); ``PATCH``/``DELETE`` correct or remove
one entered by hand. A feed or measure enrolment is changed at its source (400 with the reason).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction, restrict
from shouwang.registry.models import Household

from . import services as service
from .filters import EnrolmentFilter
from .models import Enrolment
from .permissions import RECORD_ENROLMENT


class EnrolmentSerializer(serializers.ModelSerializer):
    policy_code = serializers.CharField(source="policy.code", read_only=True)
    household_number = serializers.CharField(source="household.number", read_only=True)
    recorded_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        source="created_by", slug_field="username", read_only=True)

    class Meta:
        model = Enrolment
        fields = ["id", "policy", "policy_code", "year", "household", "household_number", "member", "region_code",
                  "starts_on", "ends_on", "amount", "source", "feed_signal", "measure", "note", "recorded_by",
                  "created_at", "updated_at"]
        read_only_fields = ["id", "region_code", "source", "feed_signal", "measure", "created_at", "updated_at"]


class EnrolmentViewSet(viewsets.ModelViewSet):
    serializer_class = EnrolmentSerializer
    filterset_class = EnrolmentFilter
    permission_classes = [IsAuthenticated, DeclaredAction]
    answers_by_scope = True  # the rows are ``restrict``ed: a role that may not view reads none
    required_actions = {"list": "view", "retrieve": "view", "create": RECORD_ENROLMENT.name,
                        "update": RECORD_ENROLMENT.name, "partial_update": RECORD_ENROLMENT.name,
                        "destroy": RECORD_ENROLMENT.name}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return service.enrolments_for(self.request.user).order_by("-year", "region_code", "household_id", "pk")

    def _refused(self, exc: Exception) -> Response:
        if isinstance(exc, DjangoPermissionDenied):
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)

    def create(self, request: Request, *args, **kwargs) -> Response:
        data = EnrolmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        household = get_object_or_404(restrict(request.user, Household.objects.all(), "view"), pk=v["household"].pk)
        try:
            enrolment = service.record(request.user, policy=v["policy"], year=v["year"], household=household,
                                       member=v.get("member"), starts_on=v.get("starts_on"), ends_on=v.get("ends_on"),
                                       amount=v.get("amount"), note=v.get("note", ""))
        except (service.EnrolmentInvalid, DjangoPermissionDenied) as exc:
            return self._refused(exc)
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        enrolment = self.get_object()
        data = EnrolmentSerializer(enrolment, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            service.change(enrolment, request.user, policy=v.get("policy", enrolment.policy),
                           year=v.get("year", enrolment.year), member=v.get("member", enrolment.member),
                           starts_on=v.get("starts_on", enrolment.starts_on),
                           ends_on=v.get("ends_on", enrolment.ends_on),
                           amount=v.get("amount", enrolment.amount), note=v.get("note", enrolment.note))
        except (service.EnrolmentInvalid, DjangoPermissionDenied) as exc:
            return self._refused(exc)
        return Response(EnrolmentSerializer(enrolment).data)

    def update(self, request: Request, *args, **kwargs) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        enrolment = self.get_object()
        try:
            service.remove(enrolment, request.user)
        except (service.EnrolmentInvalid, DjangoPermissionDenied) as exc:
            return self._refused(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


router = SimpleRouter()
router.register("revitalization/enrolments", EnrolmentViewSet, basename="revitalization-enrolment")

urlpatterns: list = [*router.urls]
