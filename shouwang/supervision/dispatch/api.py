"""``/api/dispatch/``: the inbox of the user's region and answering it, and the tasks sent.

Same rules as the pages (:mod:`shouwang.supervision.dispatch.services`): ``GET /api/dispatch/inbox/``
lists what the user's own region received; ``POST /api/dispatch/inbox/{id}/acknowledge/`` and
``POST /api/dispatch/inbox/{id}/complete/`` with ``{"note": "…"}`` answer it. A refusal is 403
(not a user of that region and level) or 409 (already answered, or the task is closed); a
completion without a note is 400. ``GET /api/dispatch/tasks/`` lists the tasks sent in the
user's region with their answer counts, and ``/api/dispatch/tasks/{id}/`` who has answered.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from shouwang.core.permissions import DeclaredAction

from . import services as service
from .models import DispatchRecipient, DispatchTask


class RecipientSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    completed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DispatchRecipient
        fields = ["id", "region_code", "region_name", "status", "is_overdue", "acknowledged_at", "acknowledged_by",
                  "completed_at", "completed_by", "note"]
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer):
    issuer_region_name = serializers.CharField(source="issuer_region.name", read_only=True)
    issued_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    has_attachment = serializers.SerializerMethodField()

    class Meta:
        model = DispatchTask
        fields = ["id", "kind", "title", "body", "region_code", "issuer_region_name", "issued_by", "deadline",
                  "created_at", "closed_at", "attachment_name", "has_attachment"]
        read_only_fields = fields

    def get_has_attachment(self, task: DispatchTask) -> bool:
        return bool(task.attachment)


class InboxSerializer(RecipientSerializer):
    task = TaskSerializer(read_only=True)

    class Meta(RecipientSerializer.Meta):
        fields = RecipientSerializer.Meta.fields + ["task"]
        read_only_fields = fields


class IssuedTaskSerializer(TaskSerializer):
    recipient_total = serializers.IntegerField(read_only=True)
    acknowledged_total = serializers.IntegerField(read_only=True)
    done_total = serializers.IntegerField(read_only=True)
    overdue_total = serializers.IntegerField(read_only=True)

    class Meta(TaskSerializer.Meta):
        fields = TaskSerializer.Meta.fields + ["recipient_total", "acknowledged_total", "done_total", "overdue_total"]
        read_only_fields = fields


class IssuedTaskDetailSerializer(IssuedTaskSerializer):
    recipients = serializers.SerializerMethodField()

    class Meta(IssuedTaskSerializer.Meta):
        fields = IssuedTaskSerializer.Meta.fields + ["recipients"]
        read_only_fields = fields

    @extend_schema_field(RecipientSerializer(many=True))
    def get_recipients(self, task: DispatchTask) -> list[dict]:
        rows = service.recipients_for(self.context["request"].user).filter(task=task).order_by("region_code")
        return RecipientSerializer(rows, many=True).data


class CompleteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=service.MAX_NOTE, allow_blank=True, required=False, default="")


_REFUSAL = inline_serializer("DispatchRefused", {"detail": serializers.CharField()})


def _refusal(exc: Exception, code: int) -> Response:
    return Response({"detail": str(exc)}, status=code)


class InboxViewSet(viewsets.ReadOnlyModelViewSet):
    """What the user's own region received, soonest deadline first."""

    serializer_class = InboxSerializer
    permission_classes = [IsAuthenticated, DeclaredAction]
    answers_by_scope = True  # the rows are ``restrict``ed: a role that may not read them gets none
    required_actions = {
        "list": "supervision.read_dispatch_inbox", "retrieve": "supervision.read_dispatch_inbox",
        "acknowledge": "supervision.answer_dispatch", "complete": "supervision.answer_dispatch",
    }

    def get_queryset(self):
        return service.inbox(self.request.user)

    def _answer(self, request: Request, fn, *args) -> Response:
        recipient = self.get_object()
        try:
            fn(recipient, request.user, *args)
        except DjangoPermissionDenied as exc:
            return _refusal(exc, status.HTTP_403_FORBIDDEN)
        except service.DispatchNotAllowed as exc:
            return _refusal(exc, status.HTTP_409_CONFLICT)
        except service.DispatchInvalid as exc:
            return Response({"note": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(InboxSerializer(self.get_queryset().get(pk=recipient.pk)).data)

    @extend_schema(request=None, responses={200: InboxSerializer, 403: _REFUSAL, 409: _REFUSAL})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk=None) -> Response:
        return self._answer(request, service.acknowledge)

    @extend_schema(request=CompleteSerializer, responses={200: InboxSerializer, 403: _REFUSAL, 409: _REFUSAL})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk=None) -> Response:
        data = CompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(request, service.complete, data.validated_data["note"])


class IssuedTaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Tasks sent from the user's region or inside it, with answer counts."""

    permission_classes = [IsAuthenticated, DeclaredAction]
    answers_by_scope = True  # the rows are ``restrict``ed: a role that may not view gets none
    required_actions = {"list": "view", "retrieve": "view"}

    def get_queryset(self):
        return service.issued_tasks(self.request.user)

    def get_serializer_class(self):
        return IssuedTaskDetailSerializer if self.action == "retrieve" else IssuedTaskSerializer


router = SimpleRouter()
router.register("dispatch/inbox", InboxViewSet, basename="dispatch-inbox")
router.register("dispatch/tasks", IssuedTaskViewSet, basename="dispatch-task")

urlpatterns: list = [*router.urls]
