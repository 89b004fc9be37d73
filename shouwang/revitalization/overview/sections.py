"""The revitalization part's features as its start page lists them: each feature's main page, what
it is for, and the action that opens it (the page shows a section only to whom ``can()`` allows)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    url_name: str
    title: Promise
    summary: Promise
    action: str


SECTIONS: tuple[Section, ...] = (
    Section("revitalization:policy_list", _("Policy catalogue"),
            _("Assistance policies with their eligibility written as rules over the registry."),
            "revitalization.view_policy"),
    Section("revitalization:asset_index", _("Project assets"),
            _("Ledgers of the assets projects formed: operating, public-welfare and to households; checks, "
              "income and its distribution, disposal."), "view"),
    Section("revitalization:village_list", _("Village profiles"),
            _("Each village's categories, collective economy, infrastructure, projects, assets, cadres and "
              "monitored households."), "view"),
    Section("revitalization:cadre_list", _("Cadres and talent"),
            _("First secretaries and work teams with their days in the village, assistance contacts and the "
              "households they hold, village officials, reserve cadres, local talent and trainings."),
            "revitalization.view_cadres"),
    Section("revitalization:project_list", _("Project library"),
            _("Projects from the village's proposal to the county's decision, their funds and payments, and "
              "the households they reach."), "view"),
    Section("revitalization:relative_poverty", _("Relative poverty"),
            _("The registry's median income, relative lines at the county's shares of it, and the FGT "
              "headcount, gap and severity indices by year and area."), "revitalization.view_relative_poverty"),
    Section("revitalization:simulation_list", _("Simulation before adoption"),
            _("Draft a new line, rule or policy and see who enters and leaves monitoring and each policy, "
              "and the cost, before adopting it."), "revitalization.simulate"),
    Section("revitalization:enrolment_list", _("Policy enrolments"),
            _("Who receives which policy in which year: from department lists, recorded assistance measures "
              "and by hand."), "view"),
    Section("revitalization:gap_index", _("Policy gaps"),
            _("Eligible but not enrolled (应享未享) and enrolled but not eligible (应退未退), by village, with "
              "the reasons."), "view"),
    Section("revitalization:mechanism", _("Normalised mechanism"),
            _("The terms in force per year, civil affairs' low-income layers, joint identification and the "
              "ex-poor label's orderly exit."), "revitalization.view_mechanism"),
)
