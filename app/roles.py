"""The seeded roles, declared in code and synced by ``flask casus init``.

Each role lists (permission, view) pairs; a ``*`` permission means every
permission Flask-AppBuilder registered for that view. Functional administrators
may edit roles afterwards in the UI; ``casus init`` only adds what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLE_ADMIN = "Functioneel beheerder"
ROLE_COORDINATOR = "Coördinator"
ROLE_CASE_DIRECTOR = "Casusregisseur"
ROLE_CORE_PARTNER = "Kernpartner"
ROLE_PARTNER = "Ketenpartner"
ROLE_PRIVACY = "Privacy officer"

READ = ("can_list", "can_show", "can_get", "can_info")
WRITE = ("can_add", "can_edit", "can_post", "can_put")
DELETE = ("can_delete",)

#: Everybody who can log in may see their own profile and change their password.
SELF_SERVICE: tuple[tuple[str, str], ...] = (
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("userinfoedit", "UserDBModelView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
)


@dataclass(frozen=True)
class RoleSpec:
    name: str
    description: str
    grants: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def _views(perms: tuple[str, ...], *views: str) -> tuple[tuple[str, str], ...]:
    return tuple((p, v) for v in views for p in perms)


def _menus(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple(("menu_access", n) for n in names)


CASE_WORK_VIEWS = (
    "CaseModelView", "SignalModelView", "SubjectModelView", "SubjectRelationModelView",
    "DecisionModelView", "CaseConferenceModelView", "AgendaItemModelView",
    "AssessmentModelView", "ActionPlanModelView", "GoalModelView",
    "InterventionModelView", "CaseNoteModelView", "WeighingModelView",
)
CATALOGUE_VIEWS = ("InterventionTypeModelView", "OrganisationModelView", "RiskGroupModelView")
CASE_MENUS = _menus("Casuswerk", "Cases", "Signals", "Subjects", "Case conferences",
                    "Interventions", "Start")


ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(
        ROLE_ADMIN,
        "Beheert gebruikers, organisaties, rollen en de interventiecatalogus; "
        "ziet geen casusinhoud.",
        grants=(
            *_views(("*",), "UserDBModelView", "RoleModelView", *CATALOGUE_VIEWS),
            *_views(READ, "PermissionModelView", "ViewMenuModelView",
                    "PermissionViewModelView"),
            *_menus("Security", "List Users", "List Roles", "Beheer", "Organisations",
                    "Risk groups", "Intervention catalogue"),
        ),
    ),
    RoleSpec(
        ROLE_COORDINATOR,
        "Coördinator OOV: voert casussen door het proces en bereidt het casusoverleg voor.",
        grants=(
            *_views(("*",), *CASE_WORK_VIEWS),
            *_views(READ, *CATALOGUE_VIEWS),
            *CASE_MENUS,
        ),
    ),
    RoleSpec(
        ROLE_CASE_DIRECTOR,
        "Casusregisseur: coördineert de casussen die hij of zij regisseert.",
        grants=(
            *_views(READ + WRITE, *CASE_WORK_VIEWS),
            *_views(READ, *CATALOGUE_VIEWS),
            *CASE_MENUS,
        ),
    ),
    RoleSpec(
        ROLE_CORE_PARTNER,
        "Kernpartner (politie, OM): weegt signalen en ziet opgenomen casussen.",
        grants=(
            *_views(READ, *CASE_WORK_VIEWS, *CATALOGUE_VIEWS),
            *_views(READ + WRITE, "SignalModelView", "WeighingModelView",
                    "InterventionModelView"),
            *CASE_MENUS,
        ),
    ),
    RoleSpec(
        ROLE_PARTNER,
        "Ketenpartner: registreert en actualiseert de eigen interventies.",
        grants=(
            *_views(READ, "CaseModelView", "InterventionTypeModelView"),
            *_views(READ + WRITE, "InterventionModelView"),
            *_menus("Casuswerk", "Cases", "Interventions", "Start"),
        ),
    ),
    RoleSpec(
        ROLE_PRIVACY,
        "Privacy officer: auditlog, inzageverzoeken en bewaartermijnen; geen casusinhoud.",
        grants=(*_menus("Start"),),
    ),
)
