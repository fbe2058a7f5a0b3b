"""Why an actor does or does not see a case: the row rules of ``app.access.rows`` in words.

Shown on the access administration screens; reads admissions directly, so call it inside
``system_access``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casusregie.app.access import clock
from casusregie.app.access.actor import Actor
from casusregie.app.models import Case
from casusregie.app.roles import (
    CLEAR_BSN,
    CLEAR_CRIMINAL,
    CLEAR_HEALTH,
    SCOPE_CORE,
    SCOPE_RETENTION,
)


@dataclass(frozen=True)
class Explanation:
    """Whether an actor sees a case, the rule that decides it, and what it means."""

    visible: bool
    rule: str
    reason: str
    details: tuple[str, ...] = ()


def _rule_labels() -> dict[str, Any]:
    return {
        "no_user": _l("No user: nothing is shown."),
        "inactive": _l("Inactive users cannot log in and see nothing."),
        "core": _l("Core partner: a core organisation with a core-partner role sees every "
                   "included case."),
        "directed": _l("Case director: sees and changes the cases they direct."),
        "admitted": _l("Admission: the organisation is admitted to this case until the "
                       "end date."),
        "admission_expired": _l("The organisation's admission to this case has ended."),
        "admission_future": _l("The organisation's admission to this case has not started "
                               "yet."),
        "no_case_role": _l("None of this user's roles gives access to case content "
                           "(functional administrators and privacy officers see no case "
                           "content)."),
        "core_role_outside_core": _l("The core-partner role only gives access to every case "
                                     "in a core organisation; this user's organisation is "
                                     "not one."),
        "not_admitted": _l("The organisation is not admitted to this case and the user does "
                           "not direct it."),
    }


def explain_case(actor: Actor | None, case: Case, *, active: bool = True,
                 on: dt.date | None = None) -> Explanation:
    """Why ``actor`` does or does not see ``case`` — the same rules as ``row_criteria``.

    Reads admissions directly (call it inside ``system_access``).
    """
    labels = _rule_labels()
    on = on or clock.today()
    if actor is None:
        return Explanation(False, "no_user", str(labels["no_user"]))
    if not active:
        return Explanation(False, "inactive", str(labels["inactive"]))
    if actor.is_system or actor.is_core:
        return Explanation(True, "core", str(labels["core"]), _within_case(actor, "core"))
    if actor.directs and case.case_director_id == actor.user_id:
        return Explanation(True, "directed", str(labels["directed"]),
                           _within_case(actor, "directed"))
    admissions = [a for a in case.admissions if a.organisation_id == actor.organisation_id]
    running = [a for a in admissions if a.starts_on <= on <= a.ends_on]
    if actor.admitted_scope and running:
        adm = max(running, key=lambda a: a.ends_on)
        detail = _("Purpose: %(purpose)s. Legal basis: %(basis)s. Until %(end)s.",
                   purpose=adm.purpose, basis=adm.legal_basis,
                   end=adm.ends_on.strftime("%d-%m-%Y"))
        return Explanation(True, "admitted", str(labels["admitted"]),
                           (detail, *_within_case(actor, "admitted")))
    if not actor.scopes - {SCOPE_RETENTION}:
        return Explanation(False, "no_case_role", str(labels["no_case_role"]))
    if actor.admitted_scope and admissions:
        if all(a.ends_on < on for a in admissions):
            end = max(a.ends_on for a in admissions)
            return Explanation(False, "admission_expired", str(labels["admission_expired"]),
                               (_("Ended on %(end)s.", end=end.strftime("%d-%m-%Y")),))
        start = min((a.starts_on for a in admissions if a.starts_on > on), default=None)
        if start is not None:
                return Explanation(
                False, "admission_future", str(labels["admission_future"]),
                (_("Starts on %(start)s.", start=start.strftime("%d-%m-%Y")),))
    if SCOPE_CORE in actor.scopes and not actor.is_core and not actor.admitted_scope:
        return Explanation(False, "core_role_outside_core", str(labels["core_role_outside_core"]))
    return Explanation(False, "not_admitted", str(labels["not_admitted"]))


def _within_case(actor: Actor, rule: str) -> tuple[str, ...]:
    if rule == "admitted":
        lines = [_("Within the case: the summary, the goals assigned to the organisation and "
                   "its own interventions; not other partners' interventions, notes, "
                   "decisions or assessments.")]
    else:
        lines = [_("Within the case: everything — subjects, decisions, assessment, plan, "
                   "interventions of all partners and notes.")]
    hidden = []
    if CLEAR_BSN not in actor.clearances:
        hidden.append(_("BSN"))
    if CLEAR_CRIMINAL not in actor.clearances:
        hidden.append(_("outcomes of other organisations' criminal-law interventions"))
    if CLEAR_HEALTH not in actor.clearances:
        hidden.append(_("outcomes of other organisations' care interventions"))
    if hidden:
        lines.append(_("Hidden: %(fields)s.", fields=", ".join(hidden)))
    return tuple(lines)
