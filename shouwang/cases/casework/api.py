"""``/api/cases/``: cases, their history and measures, opening a case and acting on it.

Scoped like the pages: every lookup starts from ``Case.objects.restrict(user, "view")``, so a
case outside the user's region is absent from lists and answers 404 (and a role that may see no
case reads an empty list: ``answers_by_scope``). Each endpoint declares its action
(``required_actions``); the rules of acting are the procedure engine's
(``shouwang.cases.procedure.engine``): the API cannot do what the pages refuse.

``POST /api/cases/{id}/actions/`` takes ``{"action": NAME, "reason": TEXT, ...}``; the other
keys are the action's data (``step``, ``mode``, ``risk_types``, a measure's or contact's
fields), and with multipart the file fields are attachments named by their kind
(``authorisation``, ``minutes``, ``photo``, ``other``). A refusal answers 403 (not your level or
region), 409 (not allowed now) or 400 (reason or data missing), with the reason in ``detail``.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from shouwang.cases.casefiles.models import Case
from shouwang.cases.procedure import engine
from shouwang.cases.procedure.audit import timeline
from shouwang.cases.procedure.opening import open_case
from shouwang.cases.procedure.queue import queue as pending_steps
from shouwang.cases.procedure.refusals import ActionRefused
from shouwang.core.permissions import DeclaredAction
from shouwang.monitoring.models import SelfReport, Visit, Warning
from shouwang.registry.models import Household

from .filters import CaseFilter
from .serializers import (
    CaseActionRequestSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseMeasureCreateSerializer,
    CaseMeasureSerializer,
    CaseQueueStepSerializer,
    CaseSerializer,
    CaseTransitionSerializer,
)

REFUSAL = inline_serializer("CaseActionRefused", {"detail": serializers.CharField()})
FILE_FIELDS = ("authorisation", "minutes", "photo", "other")


def refusal(exc: ActionRefused) -> Response:
    return Response({"detail": exc.reason}, status=exc.status_code)


class CaseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    filterset_class = CaseFilter
    permission_classes = [IsAuthenticated, DeclaredAction]
    answers_by_scope = True  # a role that may see no case reads an empty list, as before
    # Adding a measure (POST measures/) is the engine's ``cases.add_measure``, asked in ``perform``.
    required_actions = {
        "list": "view", "retrieve": "view", "transitions": "view", "measures": "view", "queue": "view",
        "create": "cases.open_case", "act": "cases.complete_step",
    }

    def get_queryset(self):
        qs = engine.cases_with_steps(
            Case.objects.restrict(self.request.user, "view").with_overdue(timezone.localdate())
            .select_related("household__village")
        )
        if self.action in ("retrieve", "act", "create"):
            qs = qs.prefetch_related("contacts", "measures__measure_type")
        return qs.order_by("-created_at", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return CaseCreateSerializer
        return CaseDetailSerializer if self.action in ("retrieve", "act") else CaseSerializer

    def _detail(self, case: Case) -> dict:
        fresh = self.get_queryset().get(pk=case.pk)
        return CaseDetailSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseDetailSerializer, 400: REFUSAL, 403: REFUSAL,
                                                            409: REFUSAL})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Open a case for a household (a village cadre of its village, or its township's officer)."""
        data = CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user = request.user
        household = get_object_or_404(Household.objects.restrict(user, "view"), pk=v["household"])
        links = {}
        for name, model in (("warning", Warning), ("self_report", SelfReport), ("visit", Visit)):
            if v.get(name):
                links[name] = get_object_or_404(model.objects.restrict(user, "view"), pk=v[name])
        try:
            case = open_case(
                household, user, category=v["category"], risk_types=v["risk_types"], source=v["source"],
                first_clue_date=v["first_clue_date"], disaster_note=v.get("disaster_note", ""), **links,
            )
        except ActionRefused as exc:
            return refusal(exc)
        return Response(self._detail(case), status=status.HTTP_201_CREATED)

    @extend_schema(request=CaseActionRequestSerializer,
                   responses={200: CaseDetailSerializer, 400: REFUSAL, 403: REFUSAL, 409: REFUSAL})
    @action(detail=True, methods=["post"], url_path="actions")
    def act(self, request: Request, pk=None) -> Response:
        """Take one workflow action on the case (see ``allowed_actions`` for what applies now)."""
        case = self.get_object()
        body = CaseActionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {k: v for k, v in _plain(request.data).items() if k not in ("action", "reason", *FILE_FIELDS)}
        files = [(kind, f) for kind in FILE_FIELDS for f in request.FILES.getlist(kind)]
        try:
            engine.perform(case, body.validated_data["action"], request.user,
                           reason=body.validated_data.get("reason", ""), data=data, files=files)
        except ActionRefused as exc:
            return refusal(exc)
        return Response(self._detail(case))

    @extend_schema(responses=CaseTransitionSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def transitions(self, request: Request, pk=None) -> Response:
        """The case's full timeline: who, when, at which level, what, why, with attachments."""
        case = self.get_object()
        return Response(CaseTransitionSerializer(timeline(case), many=True,
                                             context=self.get_serializer_context()).data)

    @extend_schema(methods=["GET"], responses=CaseMeasureSerializer(many=True), filters=False)
    @extend_schema(methods=["POST"], request=CaseMeasureCreateSerializer,
                   responses={201: CaseMeasureSerializer, 400: REFUSAL, 403: REFUSAL, 409: REFUSAL}, filters=False)
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def measures(self, request: Request, pk=None) -> Response:
        """The case's assistance measures; POST adds one under the workflow's rules (green channel included)."""
        case = self.get_object()
        if request.method == "POST":
            body = CaseMeasureCreateSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            before = set(case.measures.values_list("pk", flat=True))
            try:
                engine.perform(case, "add_measure", request.user, data=dict(body.validated_data))
            except ActionRefused as exc:
                return refusal(exc)
            created = case.measures.exclude(pk__in=before).select_related("measure_type").get()
            return Response(CaseMeasureSerializer(created).data, status=status.HTTP_201_CREATED)
        return Response(CaseMeasureSerializer(case.measures.select_related("measure_type", "member"), many=True).data)

    @extend_schema(responses=CaseQueueStepSerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def queue(self, request: Request) -> Response:
        """The steps waiting for the requesting user's level and region, soonest due first."""
        steps = pending_steps(request.user)[:500]
        return Response(CaseQueueStepSerializer(steps, many=True).data)


def _plain(data) -> dict:
    """Request data as a dict; lists stay lists (risk_types may come as repeated form fields)."""
    if hasattr(data, "getlist"):
        out = {}
        for key in data:
            values = data.getlist(key)
            out[key] = values if key == "risk_types" or len(values) > 1 else values[0]
        return out
    return dict(data)


router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")

urlpatterns: list = [*router.urls]
