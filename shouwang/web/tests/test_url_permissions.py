"""Every URL × every role × an object inside and outside the user's region, against the permission table.

The test walks the whole URL map (pages and API), reads the action each view declares
(``@requires`` on a page view; ``required_action`` or ``required_actions`` on an API view) and asks
each persona's client for each URL:

* what ``can(user, action, obj)`` allows must answer: anything but 401, 403, 404, a server error
  or a redirect to the login page (a 400 for an empty form, a 405 for GET on a POST-only action
  and a 409 for a state that does not allow it are answers);
* what it refuses must answer 403 or 404 (404 is how ``restrict()`` hides what lies outside the
  user's region), or 405 where the method is not served at all, and write nothing to the
  database; a list whose view answers by scope (``requires(..., answers_by_scope=True)``) may
  instead show what a region without rows sees (through the API: not a single row);
* anonymous visitors are sent to the login page (pages) or refused (API).

Pages are asked with GET, and with an empty POST by whoever may not use them (and by whoever
may, where GET says the page only takes POST); API endpoints with every method they route.

A URL that declares no action fails the test unless ``PUBLIC`` or ``SIGNED_IN`` names it with
the reason, so a page cannot be added without saying who may use it. A URL with path arguments
(``pk``, ``code``, ``job_id``…) needs an entry in ``TARGETS``: the object it acts on, built
in village A1 (inside the A personas' region) and in village B1 (outside the village cadre's and
the township officer's; objects kept per county are built in this county and in another one).
Every request runs in a savepoint that is rolled back, so what one persona does never changes
what the next one sees.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from conftest import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A1, VILLAGE_B1, _user
from shouwang.core.permissions import can, region_of, table

# A county the deployment does not hold: what lies outside even a county officer's region.
OTHER_COUNTY = "433199"

# --- the URLs open without a declared action, and why ------------------------------------------

PUBLIC: dict[str, str] = {
    "login": "signing in",
    "logout": "signing out ends whatever session the request carries",
    "set_language": "the language switch",
    "healthz": "monitoring asks whether the server works: database, schema, job times (no personal data)",
    "public:self_report": "a farmer reports a difficulty without an account (rate-limited, no data shown)",
    "public:self_report_thanks": "the page after a self-report (no data shown)",
}

SIGNED_IN: dict[str, str] = {
    "web:home": "every signed-in user lands here; each count on it goes through restrict()",
    "api:api-root": "the list of API endpoints; each endpoint declares its own action",
    "api:schema": "the OpenAPI description of the endpoints (no data)",
    "api:docs": "the documentation page of that description (no data)",
    "accounts:account": "one's own account: password age, second factor",
    "accounts:verify": "the second step of one's own login",
    "accounts:enrol": "setting up one's own authenticator app",
    "accounts:recovery_codes": "new recovery codes for one's own account",
    "accounts:password_change": "changing one's own password",
    "revitalization:index": "the revitalization part's start page: links to its features, each shown as can() allows",
}

# DRF's format-suffix twins (``/api/cases.json``) share their view with the plain route: their
# declarations are checked, but they are not requested a second time.
SUFFIX_KWARG = "format"


# --- the URL map -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One URL pattern: its name, route, path arguments and the action each HTTP method needs."""

    name: str
    route: str
    kwargs: frozenset[str]
    actions: dict[str, str | None]
    api: bool
    # The view answers a user who may not do the action as restrict() does (an empty list, a 404
    # for one object) instead of with 403 (``requires(..., answers_by_scope=True)``).
    by_scope: bool = False

    def __str__(self) -> str:
        return f"{self.name} ({self.route})"


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "",
          kwargs: frozenset[str] = frozenset()) -> Iterator[tuple[str | None, str, frozenset[str], Any]]:
    for entry in resolver.url_patterns:
        names = kwargs | frozenset(entry.pattern.regex.groupindex)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from _walk(entry, route, inner, names)
        else:
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, route, names, entry.callback


def _declared(callback: Any) -> tuple[dict[str, str | None], bool, bool]:
    """HTTP method → declared action (None where nothing is declared); whether it is an API view;
    whether it answers by scope."""
    view_class = getattr(callback, "cls", None)
    if view_class is None:  # a page view: one action, whatever the method
        page_class = getattr(callback, "view_class", None)
        action = getattr(callback, "required_action", None) or getattr(page_class, "required_action", None)
        by_scope = bool(getattr(callback, "answers_by_scope", False)
                        or getattr(page_class, "answers_by_scope", False))
        return {"GET": action, "POST": action}, False, by_scope
    by_action = getattr(view_class, "required_actions", None) or {}
    fallback = getattr(view_class, "required_action", None)
    by_scope = bool(getattr(view_class, "answers_by_scope", False))
    mapping = getattr(callback, "actions", None)  # a viewset's {HTTP method: viewset action}
    if mapping:
        actions = {method.upper(): by_action.get(name) or fallback for method, name in mapping.items()}
        return actions, True, by_scope
    methods = [m for m in view_class.http_method_names
               if m not in ("head", "options") and hasattr(view_class, m)]
    return {method.upper(): by_action.get(method) or fallback for method in methods}, True, by_scope


def _patterns() -> list[Endpoint]:
    found = []
    for name, route, kwargs, callback in _walk(get_resolver()):
        actions, api, by_scope = _declared(callback)
        found.append(Endpoint(name=name or "", route=route, kwargs=kwargs, actions=actions, api=api,
                              by_scope=by_scope))
    return found


PATTERNS = _patterns()
ENDPOINTS = [e for e in PATTERNS if SUFFIX_KWARG not in e.kwargs]


def _open(endpoint: Endpoint) -> bool:
    return endpoint.name in PUBLIC or endpoint.name in SIGNED_IN


# --- personas -----------------------------------------------------------------------------------

# One user per role, named as in conftest.py: the village cadre of A1, the township officer of
# A, then the county-level roles. ``erin`` may unmask personal data.
PERSONAS: dict[str, tuple[str, str]] = {
    "alice": ("village", VILLAGE_A1),
    "carol": ("township", TOWNSHIP_A),
    "erin": ("county", COUNTY),
    "frank": ("admin", COUNTY),
    "ivan": ("department", COUNTY),
    "grace": ("leader", COUNTY),
    "heidi": ("auditor", COUNTY),
}
# Users who only own what lies outside the A personas' region (another township's job or task).
OWNERS_OUTSIDE: dict[str, tuple[str, str]] = {"dave": ("township", TOWNSHIP_B)}


@dataclass
class World:
    users: dict[str, Any]
    clients: dict[str, Client]
    anonymous: Client  # one client for every anonymous request (each new client loads the middleware)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The regions, the personas and their signed-in clients, built once for the module.

    Built in a transaction that is rolled back when the module ends, so the other modules of this
    worker see none of it; each test runs in a savepoint inside it.
    """
    from shouwang.regions.loader import DEMO_FILE, load_divisions, read_divisions

    with django_db_blocker.unblock(), transaction.atomic():
        load_divisions(read_divisions(DEMO_FILE))
        users = {name: _user(name, role, region, unmask=name == "erin")
                 for name, (role, region) in {**PERSONAS, **OWNERS_OUTSIDE}.items()}
        clients = {}
        for name in PERSONAS:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            client.force_login(users[name])
            clients[name] = client
        yield World(users=users, clients=clients, anonymous=Client(HTTP_ACCEPT_LANGUAGE="en"))
        transaction.set_rollback(True)


# --- what the URLs act on -------------------------------------------------------------------------

IN, OUT = "in scope", "out of scope"
SCOPES = (IN, OUT)


@dataclass(frozen=True)
class Target:
    """What a URL is asked about: its path arguments and query, and what ``can`` is asked about.

    ``subject`` is the object, region or code given to ``can(user, action, subject)``; None asks
    about the action alone. ``owner``: only this user may open it (their own job), whatever
    the table says about the action.
    """

    kwargs: dict[str, Any] = field(default_factory=dict)
    subject: Any = None
    owner: Any = None
    query: dict[str, str] = field(default_factory=dict)
    # The body of a POST (empty unless the view needs a word to know what is asked of it).
    data: dict[str, str] = field(default_factory=dict)
    # Other (action, subject) pairs that open the same page: a task is read by the region that
    # sent it ("view" over the task) and by the region it was sent to (its inbox row).
    also: tuple[tuple[str, Any], ...] = ()
    # What a list page shows of its rows (a household's number): a page that answers by scope
    # must show none of it to a user the table refuses.
    markers: tuple[str, ...] = ()


class Objects:
    """The objects the URLs act on, built on first use: in village A1 (``IN``) or B1 (``OUT``).

    Each test gets its own (the test's transaction removes them); a persona's own jobs are built
    per persona.
    """

    def __init__(self, users: dict[str, Any], action: str | None = None) -> None:
        self.users = users
        self.action = action  # what the URL asks of its user (whose jobs exist depends on it)
        self._built: dict[tuple[Any, ...], Any] = {}

    def _once(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        if key not in self._built:
            self._built[key] = build()
        return self._built[key]

    @staticmethod
    def village(scope: str) -> str:
        return VILLAGE_A1 if scope == IN else VILLAGE_B1

    @staticmethod
    def township(scope: str) -> str:
        return TOWNSHIP_A if scope == IN else TOWNSHIP_B

    @staticmethod
    def county(scope: str) -> str:
        return COUNTY if scope == IN else OTHER_COUNTY

    def owner(self, scope: str, persona: Any) -> Any:
        """Whose job it is. Inside: the persona's own, if the table lets them do what starts it (a
        user who may not has no such job, so it is another user's). Outside: another township's
        officer's."""
        if scope == IN and persona is not None and self.action is not None and can(persona, self.action):
            return persona
        return self.users["dave"] if scope == OUT or persona is not None else self.users["alice"]

    # registry

    def household(self, scope: str) -> Any:
        from shouwang.registry.tests.factories import make_household

        return self._once(("household", scope), lambda: make_household(self.village(scope)))

    # monitoring

    def visit(self, scope: str) -> Any:
        from shouwang.monitoring.models import Visit

        return self._once(("visit", scope), lambda: Visit.objects.create(
            household=self.household(scope), visited_on=date.today(),
            visitor=self.users["alice" if scope == IN else "dave"]))

    def campaign(self, scope: str) -> Any:
        from shouwang.monitoring.models import Campaign

        return self._once(("campaign", scope), lambda: Campaign.objects.create(
            name=f"集中排查 {self.township(scope)}", region_id=self.township(scope),
            starts_on=date.today() - timedelta(days=1),
            ends_on=date.today() + timedelta(days=30), created_by=self.users["erin"]))

    def campaign_task(self, scope: str) -> Any:
        from shouwang.monitoring.models import CampaignTask

        def build() -> Any:
            household = self.household(scope)
            return CampaignTask.objects.create(campaign=self.campaign(scope), household=household,
                                               region_code=household.region_code)

        return self._once(("campaign_task", scope), build)

    def self_report(self, scope: str) -> Any:
        from shouwang.core.idnumbers import parse_id_number
        from shouwang.monitoring.models import SelfReport
        from shouwang.registry.demo.synthetic import make_id_number

        def build() -> Any:
            name = "申报人" + ("甲" if scope == IN else "乙")
            report = SelfReport(village_id=self.village(scope), name=name, risk_type="YB", description="看病")
            report.set_id(parse_id_number(make_id_number("433122", date(1980, 5, 6), 4242 + len(scope))))
            report.set_phone("13912345678")
            report.save()
            return report

        return self._once(("self_report", scope), build)

    def warning(self, scope: str) -> Any:
        from shouwang.monitoring.models import Rule, Warning, WarningStatus

        def build() -> Any:
            rule = Rule.objects.get(code="DROPOUT")
            return Warning.objects.create(
                household=self.household(scope), rule=rule, rule_version=rule.version, year=2023,
                status=WarningStatus.NEW, evidence={"rule": "DROPOUT", "facts": {"dropout": True}},
                due_date=date.today() + timedelta(days=5))

        return self._once(("warning", scope), build)

    def line(self, scope: str) -> Any:
        from shouwang.monitoring.models import MonitoringLine

        return self._once(("line", scope), lambda: MonitoringLine.objects.create(
            year=2031, region_code=self.county(scope), amount=Decimal("8000"), basis="测试"))

    def rule(self) -> Any:
        from shouwang.monitoring.models import Rule

        return self._once(("rule",), lambda: Rule.objects.get(code="DROPOUT"))

    def feed_batch(self, scope: str) -> Any:
        from shouwang.monitoring.models import FeedBatch

        return self._once(("feed_batch", scope), lambda: FeedBatch.objects.create(
            feed_type="medical", file_name="medical.xlsx", sha256="0" * 64, region_code=self.county(scope),
            user=self.users["ivan"] if scope == IN else None))

    # cases

    def case(self, scope: str) -> Any:
        from shouwang.cases.models import CaseStatus
        from shouwang.cases.tests.factories import make_case

        return self._once(("case", scope), lambda: make_case(
            self.household(scope), village=self.village(scope), status=CaseStatus.MONITORED))

    def attachment(self, scope: str) -> Any:
        from shouwang.cases.models import Attachment
        from shouwang.cases.tests.factories import pdf

        return self._once(("attachment", scope), lambda: Attachment.objects.create(
            case=self.case(scope), file=pdf(), original_name="authorisation.pdf"))

    def notice(self, scope: str) -> Any:
        from shouwang.cases.models import Notice

        def build() -> Any:
            notice = Notice.objects.create(region_code=self.village(scope), starts_on=date.today(),
                                           ends_on=date.today() + timedelta(days=5), contact="村委会")
            notice.cases.add(self.case(scope))
            return notice

        return self._once(("notice", scope), build)

    def procedure_settings(self, scope: str) -> Any:
        from shouwang.cases.models import ProcedureSettings

        return self._once(("procedure_settings", scope), lambda: ProcedureSettings.objects.create(
            region_code=self.township(scope), total_days=20))

    # supervision

    def dispatch_task(self, scope: str) -> Any:
        """A task the township (A or B) sent to one of its villages (A1 or B1)."""
        from shouwang.supervision.models import DispatchRecipient, DispatchTask

        def build() -> Any:
            task = DispatchTask.objects.create(
                title="摸排核查", issuer_region_id=self.township(scope),
                issued_by=self.users["carol" if scope == IN else "dave"],
                deadline=date.today() + timedelta(days=7))
            task.attachment.save("notice.txt", ContentFile(b"attachment"), save=False)
            task.attachment_name = "notice.txt"
            task.save()
            DispatchRecipient.objects.create(task=task, region_id=self.village(scope))
            return task

        return self._once(("dispatch_task", scope), build)

    def dispatch_recipient(self, scope: str) -> Any:
        return self.dispatch_task(scope).recipients.get()

    def spot_check(self, scope: str) -> Any:
        from shouwang.supervision.models import SpotCheck

        return self._once(("spot_check", scope), lambda: SpotCheck.objects.create(
            name="抽查", region_id=self.township(scope), seed=1, rates={}, created_by=self.users["erin"]))

    def spot_check_sample(self, scope: str) -> Any:
        from shouwang.supervision.models import SpotCheckSample
        from shouwang.supervision.spotchecks.models import HouseholdClass

        def build() -> Any:
            household = self.household(scope)
            return SpotCheckSample.objects.create(
                spot_check=self.spot_check(scope), household=household, region_code=household.region_code,
                household_class=list(HouseholdClass)[0])

        return self._once(("spot_check_sample", scope), build)

    def reconciliation_item(self, scope: str) -> Any:
        from shouwang.supervision.models import ReconciliationItem

        def build() -> Any:
            household = self.household(scope)
            return ReconciliationItem.objects.create(
                household=household, region_code=household.region_code, batch="nat-test", field="status",
                national_value="风险已消除", shouwang_value="监测中")

        return self._once(("reconciliation_item", scope), build)

    def national_synonym(self) -> Any:
        from shouwang.supervision.models import NationalSynonym

        return self._once(("national_synonym",), lambda: NationalSynonym.objects.create(
            table="header", text="户编码（国家）", value="number"))

    # jobs

    def job(self, kind: str, scope: str, *, params: dict[str, Any] | None = None, owner: Any = None,
            result: Any = None) -> Any:
        from shouwang.core.models import Job

        key = ("job", kind, scope, getattr(owner, "pk", None), repr(params))
        return self._once(key, lambda: Job.objects.create(
            kind=kind, user=owner, status=Job.Status.SUCCEEDED, params=params or {}, result=result,
            finished_at=timezone.now()))

    def own_job(self, kind: str, scope: str, persona: Any, **params: Any) -> Target:
        """A job only its owner may open: the persona's own inside, another user's outside."""
        from shouwang.core.imports import Report

        owner = self.owner(scope, persona)
        job = self.job(kind, scope, params=params, owner=owner, result=Report().to_dict())
        return Target(kwargs={"job_id": job.pk}, owner=owner)

    def export_job(self, scope: str, persona: Any) -> Target:
        """An export of the household list, with its file written."""
        from shouwang.core.models import Job
        from shouwang.supervision.exports.services import JOB_KIND, export_path

        target = self.own_job(JOB_KIND, scope, persona, export="households", format="csv")
        path = export_path(Job.objects.get(pk=target.kwargs["job_id"]))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("户编号\n", encoding="utf-8")
        return target


Factory = Callable[[Objects, str, Any], Target | None]


def _pk(build: Callable[[Objects, str], Any], name: str = "pk") -> Factory:
    """The object ``build`` makes, by its primary key; ``can`` is asked about that object."""

    def factory(objects: Objects, scope: str, persona: Any) -> Target:
        obj = build(objects, scope)
        return Target(kwargs={name: obj.pk}, subject=obj)

    return factory


def _code(level: Callable[[str], str], name: str = "code") -> Factory:
    return lambda objects, scope, persona: Target(kwargs={name: level(scope)}, subject=level(scope))


def _only_in(target: Target) -> Factory:
    """Arguments that name no region (a feed type, an export's name): asked once, about the action."""
    return lambda objects, scope, persona: target if scope == IN else None


def _job(kind: Callable[[], str], **kwargs: str) -> Factory:
    """One's own job of ``kind`` (``kwargs``: further path arguments, the report's format)."""

    def factory(objects: Objects, scope: str, persona: Any) -> Target:
        target = objects.own_job(kind(), scope, persona)
        return replace(target, kwargs={**target.kwargs, **kwargs})

    return factory


def _region_job(kind: Callable[[], str], param: str, level: Callable[[str], str], **params: str) -> Factory:
    """A job every user of its region may watch (screening, the scorecard): ``can`` decides."""

    def factory(objects: Objects, scope: str, persona: Any) -> Target:
        job = objects.job(kind(), scope, params={param: level(scope), **params})
        return Target(kwargs={"job_id": job.pk}, subject=level(scope))

    return factory


def _kind(module: str, name: str) -> Callable[[], str]:
    """A job kind, read from its feature's module when a test asks for it."""
    return lambda: str(getattr(importlib.import_module(module), name))


def _case_file(objects: Objects, scope: str, persona: Any) -> Target:
    attachment = objects.attachment(scope)
    return Target(kwargs={"pk": attachment.case_id, "attachment_id": attachment.pk}, subject=attachment.case)


def _sent_task(objects: Objects, scope: str, persona: Any) -> Target:
    """A task's own pages: for the region that sent it and for the region it was sent to."""
    task = objects.dispatch_task(scope)
    return Target(kwargs={"pk": task.pk}, subject=task,
                  also=(("supervision.read_dispatch_inbox", objects.dispatch_recipient(scope)),))


def _answer(objects: Objects, scope: str, persona: Any) -> Target:
    recipient = objects.dispatch_recipient(scope)
    return Target(kwargs={"pk": recipient.pk, "action": "acknowledge"}, subject=recipient)


def _township_scorecard(objects: Objects, scope: str, persona: Any) -> Target:
    return Target(query={"township": Objects.township(scope)}, subject=Objects.township(scope))


def _seeded(build: Callable[[Objects, str], Any], marker: Callable[[Any], str] | None = None) -> Factory:
    """A list: what it lists is built in and out of scope first, so that a leaking list shows a
    row; ``marker`` says what a page shows of each (for a page that answers by scope)."""

    def factory(objects: Objects, scope: str, persona: Any) -> Target | None:
        if scope != IN:
            return None
        built = [build(objects, where) for where in SCOPES]
        return Target(markers=tuple(marker(obj) for obj in built) if marker else ())

    return factory


def _number(obj: Any) -> str:
    """The number of the household a row is about."""
    return getattr(obj, "household", obj).number


def _posting(factory: Factory, **data: str) -> Factory:
    """``factory``'s target, POSTed with ``data`` (the action a form's button names)."""

    def posting(objects: Objects, scope: str, persona: Any) -> Target | None:
        target = factory(objects, scope, persona)
        return None if target is None else replace(target, data=data)

    return posting


HOUSEHOLD = _pk(Objects.household)
CASE = _pk(Objects.case)
WARNING = _pk(Objects.warning)
SELF_REPORT = _pk(Objects.self_report)
VISIT = _pk(Objects.visit)
CAMPAIGN = _pk(Objects.campaign)
LINE = _pk(Objects.line)
FEED_BATCH = _pk(Objects.feed_batch)
NOTICE = _pk(Objects.notice)
SETTINGS = _pk(Objects.procedure_settings)
DISPATCH_TASK = _pk(Objects.dispatch_task)
RECIPIENT = _pk(Objects.dispatch_recipient)
SPOT_CHECK = _pk(Objects.spot_check)
SAMPLE = _pk(Objects.spot_check_sample)
RECONCILIATION = _pk(Objects.reconciliation_item)
SYNONYM: Factory = lambda objects, scope, persona: (  # noqa: E731 - the synonym table is the county's
    Target(kwargs={"pk": objects.national_synonym().pk}) if scope == IN else None)
RULE: Factory = lambda objects, scope, persona: (  # noqa: E731 - rules belong to no region
    Target(kwargs={"pk": objects.rule().pk}) if scope == IN else None)

def _policy(objects: Objects, scope: str) -> Any:
    """A policy of this county (inside) or of another county (outside)."""
    from shouwang.revitalization.policies.tests.factories import policy

    return objects._once(("policy", scope), lambda: policy(
        "URL_POLICY", "True", county=Objects.county(scope), name_zh="测试政策甲" if scope == IN else "测试政策乙"))


POLICY = _pk(_policy)


def _scenario(objects: Objects, scope: str) -> Any:
    """A simulation scenario of this county (inside) or of another county (outside)."""
    from shouwang.revitalization.simulation.models import Scenario

    return objects._once(("scenario", scope), lambda: Scenario.objects.create(
        name="测试方案甲" if scope == IN else "测试方案乙", region_code=Objects.county(scope), year=2023,
        changes={"lines": [{"region_code": Objects.county(scope), "amount": "8000"}]}))


SCENARIO = _pk(_scenario)


def _project(objects: Objects, scope: str) -> Any:
    """A project proposed by village A1 (inside) or B1 (outside), with a household it reaches."""
    from shouwang.revitalization.projects.models import Beneficiary, Project

    def build() -> Any:
        project = Project.objects.create(year=2025, name="测试项目甲" if scope == IN else "测试项目乙",
                                         village_id=objects.village(scope), goal="industry", category="industry")
        Beneficiary.objects.create(project=project, household=objects.household(scope), kind="jobs")
        return project

    return objects._once(("project", scope), build)


PROJECT = _pk(_project)
PROJECT_BENEFICIARY = _pk(lambda objects, scope: _project(objects, scope).beneficiaries.get())


def _asset(objects: Objects, scope: str) -> Any:
    """An operating asset in village A1 (inside) or B1 (outside)."""
    from shouwang.revitalization.assets.models import Asset

    return objects._once(("asset", scope), lambda: Asset.objects.create(
        number=f"ZC-{scope[:2]}", name="测试资产甲" if scope == IN else "测试资产乙", asset_class="operating",
        region_id=objects.village(scope), value=1000, owner="村集体"))


def _disposal(objects: Objects, scope: str) -> Any:
    from shouwang.revitalization.assets.models import AssetDisposal

    return objects._once(("disposal", scope), lambda: AssetDisposal.objects.create(
        asset=_asset(objects, scope), kind="scrap", reason="损坏"))


def _village_profile(objects: Objects, scope: str) -> Any:
    from shouwang.revitalization.villages.models import VillageProfile

    return objects._once(("village_profile", scope), lambda: VillageProfile.objects.create(
        village_id=objects.village(scope), year=2025, ex_poor=True))


ASSET = _pk(_asset)
VILLAGE_CODE = _code(Objects.village)


def _enrolment(objects: Objects, scope: str) -> Any:
    """A policy enrolment entered by hand for a household of village A1 (inside) or B1 (outside)."""
    from shouwang.revitalization.enrolment.models import Enrolment

    return objects._once(("enrolment", scope), lambda: Enrolment.objects.create(
        policy=_policy(objects, IN), year=2025, household=objects.household(scope), source="hand"))


def _gap_policy(**query: str) -> Factory:
    """A policy's gaps: this county's policy (asked about the action alone) or another county's."""

    def factory(objects: Objects, scope: str, persona: Any) -> Target:
        policy = _policy(objects, scope)
        subject = None if scope == IN else OTHER_COUNTY
        if query:
            return Target(query={"policy": str(policy.pk), **query}, subject=subject)
        return Target(kwargs={"pk": policy.pk}, subject=subject)

    return factory

def _layer(objects: Objects, scope: str) -> Any:
    """A low-income layer period of a household of village A1 (inside) or B1 (outside)."""
    from shouwang.registry.models import LowIncomeLayer

    return objects._once(("layer", scope), lambda: LowIncomeLayer.objects.create(
        household=objects.household(scope), layer="dibao", start=date(2025, 1, 1), source="low_income"))


def _cadre(objects: Objects, scope: str) -> Any:
    """A first secretary of village A1 (inside) or B1 (outside)."""
    from shouwang.revitalization.cadres.models import Cadre

    return objects._once(("cadre", scope), lambda: Cadre.objects.create(
        kind="first_secretary", name="测试书记甲" if scope == IN else "测试书记乙", region_code=objects.village(scope),
        term_start=date(2024, 1, 1)))


def _training(objects: Objects, scope: str) -> Any:
    from shouwang.revitalization.cadres.models import Training

    return objects._once(("training", scope), lambda: Training.objects.create(
        title="测试培训甲" if scope == IN else "测试培训乙", region_code=objects.village(scope),
        starts_on=date(2025, 5, 1)))


CADRE = _pk(_cadre)
TRAINING = _pk(_training)


# URL name → what it acts on. Every URL with path arguments must be here; a URL without them may
# be, when it needs a query (which township's scorecard) or lists something (built first).
TARGETS: dict[str, Factory] = {
    # revitalization: cadres and talent
    "revitalization:cadre_list": _seeded(_cadre, lambda cadre: cadre.name),
    "api:revitalization-cadre-list": _seeded(_cadre),
    "revitalization:cadre_detail": CADRE,
    "revitalization:cadre_edit": CADRE,
    "revitalization:cadre_unmask": CADRE,
    "revitalization:cadre_attendance": CADRE,
    "api:revitalization-cadre-detail": CADRE,
    "revitalization:training_list": _seeded(_training, lambda training: training.title),
    "api:revitalization-training-list": _seeded(_training),
    "revitalization:training_detail": TRAINING,
    "api:revitalization-training-detail": TRAINING,
    "revitalization:cadre_import_status": _job(_kind("shouwang.revitalization.cadres.tasks", "KIND")),
    "revitalization:cadre_import_report": _job(_kind("shouwang.revitalization.cadres.tasks", "KIND"), fmt="csv"),
    # revitalization: the normalised mechanism (joint identification is on the case)
    "cases:case_joint": CASE,
    "revitalization:label_exit_decide": HOUSEHOLD,
    "api:revitalization-lowincomelayer-list": _seeded(_layer),
    "api:revitalization-lowincomelayer-detail": _pk(_layer),
    # revitalization: policies
    "revitalization:policy_list": _seeded(_policy, lambda policy: policy.name_zh),
    "api:policy-list": _seeded(_policy),
    "revitalization:policy_detail": POLICY,
    "revitalization:policy_edit": POLICY,
    "api:policy-detail": POLICY,
    "api:policy-eligible": POLICY,
    # revitalization: simulation
    "revitalization:simulation_list": _seeded(_scenario, lambda scenario: scenario.name),
    "api:scenario-list": _seeded(_scenario),
    "revitalization:simulation_detail": SCENARIO,
    "revitalization:simulation_run": SCENARIO,
    "revitalization:simulation_subjects": SCENARIO,
    "revitalization:simulation_adopt": SCENARIO,
    "api:scenario-detail": SCENARIO,
    "api:scenario-run": SCENARIO,
    "api:scenario-subjects": SCENARIO,
    "api:scenario-adopt": SCENARIO,
    # revitalization: projects
    "revitalization:project_list": _seeded(_project, lambda project: project.name),
    "api:revitalization-project-list": _seeded(_project),
    "revitalization:project_detail": PROJECT,
    "revitalization:project_review": PROJECT,
    "revitalization:project_decide": PROJECT,
    "revitalization:project_funds": PROJECT,
    "revitalization:project_disburse": PROJECT,
    "revitalization:project_beneficiary": PROJECT,
    "revitalization:project_beneficiary_remove": PROJECT_BENEFICIARY,
    "revitalization:project_beneficiary_import": PROJECT,
    "revitalization:project_beneficiary_template": PROJECT,
    "api:revitalization-project-detail": PROJECT,
    # revitalization: assets and village profiles
    "revitalization:asset_ledger": lambda objects, scope, persona: (
        Target(kwargs={"asset_class": "operating"}) if scope == IN else None),
    "api:revitalization-asset-list": _seeded(_asset),
    "revitalization:asset_detail": ASSET,
    "revitalization:asset_edit": ASSET,
    "revitalization:asset_check": ASSET,
    "revitalization:asset_income": ASSET,
    "revitalization:asset_dispose": ASSET,
    "revitalization:asset_decide": _posting(_pk(_disposal), decision="refuse", note="不同意"),
    "api:revitalization-asset-detail": ASSET,
    # revitalization: enrolments and gaps
    "revitalization:enrolment_list": _seeded(_enrolment),
    "revitalization:enrolment_edit": _pk(_enrolment),
    "api:revitalization-enrolment-list": _seeded(_enrolment),
    "api:revitalization-enrolment-detail": _pk(_enrolment),
    "revitalization:gap_policy": _gap_policy(),
    "revitalization:gap_warnings": _gap_policy(),
    "api:revitalization-gap-list": _gap_policy(year="2025"),
    "api:revitalization-gap-counts": _gap_policy(year="2025"),
    "revitalization:village_profile": VILLAGE_CODE,
    "revitalization:village_edit": VILLAGE_CODE,
    "api:revitalization-village-profile-list": _seeded(_village_profile),
    "api:revitalization-village-profile-detail": _pk(_village_profile),
    # lists
    "registry:household_list": _seeded(Objects.household, _number),
    "api:household-list": _seeded(Objects.household),
    "monitoring:feed_batch_list": _seeded(Objects.feed_batch),
    "api:feedbatch-list": _seeded(Objects.feed_batch),
    "monitoring:visit_list": _seeded(Objects.visit, _number),
    "api:visit-list": _seeded(Objects.visit),
    "monitoring:campaign_list": _seeded(Objects.campaign, lambda campaign: campaign.name),
    "api:campaign-list": _seeded(Objects.campaign),
    "monitoring:task_list": _seeded(Objects.campaign_task, _number),
    "api:campaign-task-list": _seeded(Objects.campaign_task),
    "monitoring:selfreport_list": _seeded(Objects.self_report, lambda report: report.name),
    "api:self-report-list": _seeded(Objects.self_report),
    "monitoring:line_list": _seeded(Objects.line),
    "api:monitoring-line-list": _seeded(Objects.line),
    "monitoring:warning_list": _seeded(Objects.warning),
    "monitoring:warning_counts": _seeded(Objects.warning),
    "api:warning-list": _seeded(Objects.warning),
    "api:warning-counts": _seeded(Objects.warning),
    "cases:case_list": _seeded(Objects.case),
    "cases:queue": _seeded(Objects.case),
    "api:case-list": _seeded(Objects.case),
    "api:case-queue": _seeded(Objects.case),
    "cases:settings_list": _seeded(Objects.procedure_settings),
    # POST creates the limits of the county (limits wider than a county are a province's)
    "api:procedure-settings-list": _posting(_seeded(Objects.procedure_settings), region_code=COUNTY),
    "cases:notice_list": _seeded(Objects.notice),
    "supervision:dispatch_index": _seeded(Objects.dispatch_task),
    "api:dispatch-inbox-list": _seeded(Objects.dispatch_task),
    "api:dispatch-task-list": _seeded(Objects.dispatch_task),
    "supervision:spotcheck_list": _seeded(Objects.spot_check_sample),
    # registry
    "registry:household_detail": HOUSEHOLD,
    "registry:household_unmask": HOUSEHOLD,
    "registry:household_phones": HOUSEHOLD,
    "registry:import_status": _job(_kind("shouwang.registry.imports.tasks", "KIND")),
    "registry:import_report": _job(_kind("shouwang.registry.imports.tasks", "KIND"), fmt="csv"),
    "api:household-detail": HOUSEHOLD,
    "api:region-detail": _code(Objects.village),
    # monitoring
    "monitoring:feed_status": _job(_kind("shouwang.monitoring.feeds.tasks", "KIND")),
    "monitoring:feed_job_report": _job(_kind("shouwang.monitoring.feeds.tasks", "KIND"), fmt="csv"),
    "monitoring:feed_batch_detail": FEED_BATCH,
    "monitoring:feed_template": _only_in(Target(kwargs={"feed_type": "medical"})),
    "api:feed-rows": _only_in(Target(kwargs={"feed_type": "medical"})),
    "api:feedbatch-detail": FEED_BATCH,
    "monitoring:visit_new": _pk(Objects.household, "household_pk"),
    "monitoring:visit_detail": VISIT,
    "api:visit-detail": VISIT,
    "monitoring:campaign_detail": CAMPAIGN,
    "monitoring:campaign_close": CAMPAIGN,
    "api:campaign-detail": CAMPAIGN,
    "api:campaign-progress": CAMPAIGN,
    "api:campaign-task-detail": _pk(Objects.campaign_task),
    "monitoring:selfreport_detail": SELF_REPORT,
    "monitoring:selfreport_act": _posting(SELF_REPORT, action="dismiss"),
    "monitoring:selfreport_unmask": SELF_REPORT,
    "monitoring:selfreport_phone": SELF_REPORT,
    "api:self-report-detail": SELF_REPORT,
    "monitoring:warning_detail": WARNING,
    "monitoring:warning_act": WARNING,
    "api:warning-detail": WARNING,
    "api:warning-act": WARNING,
    "monitoring:line_edit": LINE,
    "api:monitoring-line-detail": LINE,
    "api:monitoring-line-history": LINE,
    "monitoring:rule_detail": RULE,
    "monitoring:rule_edit": RULE,
    "api:rule-detail": RULE,
    "monitoring:screening_job": _region_job(
        _kind("shouwang.monitoring.screening.tasks", "JOB_KIND"), "region", Objects.village),
    # cases
    "cases:case_detail": CASE,
    "cases:case_act": CASE,
    "cases:attachment_upload": CASE,
    "cases:attachment_download": _case_file,
    "cases:contact_unmask": CASE,
    "cases:measure_add": CASE,
    "cases:contact_add": CASE,
    "cases:case_reidentify": CASE,
    "cases:settings_edit": SETTINGS,
    "cases:notice_detail": NOTICE,
    "cases:notice_docx": NOTICE,
    "api:case-detail": CASE,
    "api:case-act": CASE,
    "api:case-measures": CASE,
    "api:case-transitions": CASE,
    "api:procedure-settings-detail": SETTINGS,
    # supervision
    "supervision:dashboard_region": _code(Objects.village),
    "api:dashboard-region": _code(Objects.village),
    "supervision:dashboard_job": _job(_kind("shouwang.supervision.dashboards.tasks", "JOB_KIND")),
    "supervision:assessment_township": _township_scorecard,
    "supervision:assessment_job": _region_job(_kind("shouwang.supervision.assessment.tasks", "JOB_KIND"),
                                              "county", Objects.county, start="2025-01-01", end="2025-12-31"),
    "supervision:export_start": _only_in(Target(kwargs={"name": "households"})),
    "supervision:export_status": Objects.export_job,
    "supervision:export_download": Objects.export_job,
    "supervision:dispatch_detail": _sent_task,
    "supervision:dispatch_attachment": _sent_task,
    "supervision:dispatch_close": DISPATCH_TASK,
    "supervision:dispatch_answer": _answer,
    "api:dispatch-inbox-detail": RECIPIENT,
    "api:dispatch-inbox-acknowledge": RECIPIENT,
    "api:dispatch-inbox-complete": RECIPIENT,
    "api:dispatch-task-detail": DISPATCH_TASK,
    "supervision:spotcheck_detail": SPOT_CHECK,
    "supervision:spotcheck_sample": SAMPLE,
    "supervision:quality_job": _job(_kind("shouwang.supervision.quality.services", "JOB_KIND")),
    "supervision:takeover_status": _job(_kind("shouwang.supervision.takeover.tasks", "KIND")),
    "supervision:takeover_report": _job(_kind("shouwang.supervision.takeover.tasks", "KIND"), fmt="csv"),
    "supervision:takeover_synonym_delete": SYNONYM,
    "supervision:takeover_reconciliation": _seeded(Objects.reconciliation_item, _number),
    "supervision:takeover_resolve": _posting(RECONCILIATION, note="已在国家系统更正"),
}


# --- asking -------------------------------------------------------------------------------------

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# Tables a refused request may still write: the session (its expiry moves with every request).
MAY_WRITE = ("django_session",)


@dataclass(frozen=True)
class Answer:
    status: int
    location: str = ""
    writes: tuple[str, ...] = ()
    error: str = ""
    empty: bool = False  # a JSON answer without a single row or non-zero number
    text: str = ""  # an HTML answer's text

    @property
    def to_login(self) -> bool:
        return self.status in (301, 302) and self.location.split("?")[0] == reverse("login")

    def __str__(self) -> str:
        if self.error:
            return f"raised {self.error}"
        return f"{self.status}" + (f" → {self.location}" if self.location else "")


def _ask(client: Client, method: str, url: str, target: Target, api: bool) -> Answer:
    """One request in a savepoint that is rolled back; what it answered and what it wrote."""
    if method == "GET":
        send = lambda: client.get(url, target.query)  # noqa: E731
    else:
        if target.query:
            url = f"{url}?{urlencode(target.query)}"
        extra = {"data": target.data, "content_type": "application/json"} if api else {"data": target.data}
        send = lambda: getattr(client, method.lower())(url, **extra)  # noqa: E731
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        try:
            response = send()
        except Exception as exc:  # a server error: reported with the URL and persona, not raised
            transaction.set_rollback(True)
            return Answer(status=500, error=f"{type(exc).__name__}: {exc}"[:300])
        transaction.set_rollback(True)
    writes = tuple(
        q["sql"][:120] for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(WRITES) and not any(t in q["sql"] for t in MAY_WRITE)
    )
    empty, text = False, ""
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/json"):
        empty = _empty(response.json())
    elif content_type.startswith("text/html") and not response.streaming:
        text = response.content.decode(errors="replace")
    return Answer(status=response.status_code, location=response.get("Location", ""), writes=writes,
                  empty=empty, text=text)


def _empty(data: Any) -> bool:
    """Nothing read: no list item, no non-zero number (labels and names of fields do not count)."""
    if isinstance(data, dict):
        return all(_empty(value) for value in data.values())
    if isinstance(data, list):
        return not data
    if isinstance(data, bool) or data is None or isinstance(data, str):
        return True
    return data == 0


def _allowed(user: Any, action: str | None, target: Target) -> bool:
    if action is None:
        return False
    if target.owner is not None and getattr(target.owner, "pk", None) != user.pk:
        return False
    if any(can(user, other, subject) for other, subject in target.also):
        return True
    return can(user, action, target.subject) if target.subject is not None else can(user, action)


def _inside(user: Any, target: Target) -> bool:
    """Whether the object "out of scope" (in B1) lies inside this user's region all the same (a
    county officer's): asking about it again adds nothing to asking about the one in A1."""
    code = region_of(target.subject) if target.subject is not None else None
    return target.owner is None and code is not None and code.startswith(user.scope_prefix)


def _answers(answer: Answer) -> bool:
    """The URL served the request (or said why the request itself is wrong): not a refusal."""
    return (not answer.error and answer.status not in (401, 403, 404) and answer.status < 500
            and not answer.to_login)


def _refuses(answer: Answer, endpoint: Endpoint, target: Target, *, post_only: bool, method: str) -> bool:
    """403 or 404; 405 where the method is not served at all (a GET on a POST-only action, a POST
    on a page that only shows); and for a list that answers by scope, what a region without rows
    sees (through the API: nothing; on a page: none of its rows). Never a write."""
    refused = answer.status in (403, 404) or (answer.status == 405 and (method != "GET" or post_only))
    if endpoint.by_scope and not endpoint.kwargs and answer.status == 200 and (
            method == "GET" or not endpoint.api):
        refused = answer.empty if endpoint.api else not any(m in answer.text for m in target.markers)
    return refused and not answer.writes and not answer.error


@pytest.fixture
def files(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHOUWANG_EXPORT_ROOT = tmp_path / "exports"


def _methods(endpoint: Endpoint) -> list[str]:
    """GET first (it decides whether a page is POST-only), then the rest."""
    return sorted(endpoint.actions, key=lambda m: (m != "GET", m))


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name or e.route for e in ENDPOINTS])
def test_url_answers_as_the_permission_table_says(endpoint: Endpoint, world: World, db, files) -> None:
    if not _open(endpoint) and any(action is None for action in endpoint.actions.values()):
        pytest.fail(f"{endpoint} declares no action (see test_every_url_declares_an_action)")
    if endpoint.kwargs and endpoint.name not in TARGETS:
        pytest.fail(f"{endpoint} has path arguments {sorted(endpoint.kwargs)}: add it to TARGETS "
                    f"in {__file__}")
    objects = Objects(world.users, endpoint.actions.get("GET") or next(iter(endpoint.actions.values()), None))
    factory = TARGETS.get(endpoint.name, lambda o, s, p: Target() if s == IN else None)
    problems: list[str] = []

    def url_of(target: Target) -> str:
        return reverse(endpoint.name, kwargs=target.kwargs)

    # Anonymous: the login page, or a refusal from the API.
    target = factory(objects, IN, None)
    assert target is not None, f"{endpoint}: TARGETS gives nothing in scope"
    for method in ([] if endpoint.name in PUBLIC else _methods(endpoint)):
        answer = _ask(world.anonymous, method, url_of(target), target, endpoint.api)
        refused = answer.status in (401, 403) if endpoint.api else answer.to_login
        if not refused or answer.writes:
            problems.append(f"anonymous · {method} → {answer}, expected "
                            + ("401/403" if endpoint.api else "the login page")
                            + (f", wrote {answer.writes}" if answer.writes else ""))
    if endpoint.name in PUBLIC:
        answer = _ask(world.anonymous, "GET", url_of(target), target, endpoint.api)
        if not _answers(answer):
            problems.append(f"anonymous · GET → {answer}, expected an answer ({PUBLIC[endpoint.name]})")
    elif endpoint.name in SIGNED_IN:
        for name, client in world.clients.items():
            answer = _ask(client, "GET", url_of(target), target, endpoint.api)
            if not _answers(answer):
                problems.append(f"{name} · GET → {answer}, expected an answer ({SIGNED_IN[endpoint.name]})")
    else:
        problems += _check_personas(endpoint, world, objects, factory, url_of)
    assert not problems, f"{endpoint}:\n  " + "\n  ".join(problems)


def _check_personas(endpoint: Endpoint, world: World, objects: Objects, factory: Factory,
                    url_of: Callable[[Target], str]) -> list[str]:
    """Every persona, in and out of scope, every method: answers where the table allows, refusals
    elsewhere."""
    results: list[tuple[str, str, str, bool, Answer, Target]] = []
    for scope, name in itertools.product(SCOPES, PERSONAS):
        user = world.users[name]
        target = factory(objects, scope, user)
        if target is None or (scope == OUT and _inside(user, target)):
            continue
        got_405 = False
        for method in _methods(endpoint):
            expected = _allowed(user, endpoint.actions[method], target)
            if expected and not endpoint.api and method == "POST" and not got_405:
                continue  # a form page that answered GET: its empty POST says nothing more
            answer = _ask(world.clients[name], method, url_of(target), target, endpoint.api)
            got_405 = got_405 or (method == "GET" and answer.status == 405)
            results.append((name, scope, method, expected, answer, target))
    # A page answers GET with 405 when it only takes POST: that is an answer for whoever may POST,
    # and not a leak for whoever may not.
    post_only = any(m == "GET" and a.status == 405 for _n, _s, m, ok, a, _t in results if ok) or not any(
        ok for _n, _s, _m, ok, _a, _t in results)
    problems = []
    for name, scope, method, expected, answer, target in results:
        action = endpoint.actions[method]
        who = f"{name} ({PERSONAS[name][0]} {PERSONAS[name][1]}) · {scope} · {method}"
        if expected and not _answers(answer):
            problems.append(f"{who} → {answer}, expected an answer: the table allows {action!r}")
        elif not expected and not _refuses(answer, endpoint, target, post_only=post_only, method=method):
            wrote = f", and wrote {list(answer.writes)}" if answer.writes else ""
            instead = "403/404" + (" or an empty list" if endpoint.by_scope and not endpoint.kwargs else "")
            problems.append(f"{who} → {answer}{wrote}, expected {instead}: the table refuses {action!r}")
    return problems


# --- the declarations themselves ------------------------------------------------------------------


def test_every_url_declares_an_action() -> None:
    """A URL outside PUBLIC and SIGNED_IN must say which action it needs, for every method."""
    missing = [
        f"{e}: " + ", ".join(method for method, action in sorted(e.actions.items()) if action is None)
        for e in PATTERNS if not _open(e) and None in e.actions.values()
    ]
    unnamed = [e.route for e in PATTERNS if not e.name]
    assert not unnamed, f"URL patterns without a name: {unnamed}"
    assert not missing, (
        "These URLs declare no action: mark page views with @requires(\"<action>\") and API views with "
        "required_action / required_actions (shouwang.core.permissions), or name them in PUBLIC / "
        "SIGNED_IN with the reason:\n  " + "\n  ".join(missing))


def test_declared_actions_are_in_the_table() -> None:
    declared = {p.name for p in table()}
    unknown = sorted({f"{e}: {action}" for e in PATTERNS for action in e.actions.values()
                      if action is not None and action not in declared})
    assert not unknown, "Actions no permissions.py declares:\n  " + "\n  ".join(unknown)


def test_open_urls_and_targets_name_existing_urls() -> None:
    names = {e.name for e in PATTERNS}
    stale = sorted((set(PUBLIC) | set(SIGNED_IN) | set(TARGETS)) - names)
    assert not stale, f"PUBLIC, SIGNED_IN or TARGETS name URLs that no longer exist: {stale}"


def test_every_url_with_arguments_has_a_target() -> None:
    missing = sorted(str(e) for e in ENDPOINTS if e.kwargs and e.name not in TARGETS)
    assert not missing, f"Add these URLs to TARGETS in {__file__}:\n  " + "\n  ".join(missing)


def test_the_endpoints_have_distinct_names() -> None:
    names = [e.name for e in ENDPOINTS]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


def test_the_personas_cover_every_role() -> None:
    from shouwang.accounts.models import Role

    assert {role for role, _region in PERSONAS.values()} == set(Role.values)
