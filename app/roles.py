"""The seeded roles, declared in code and synced by ``flask casus init``.

Each role lists (permission, view) pairs; a ``*`` permission means every
permission Flask-AppBuilder registered for that view. Functional administrators
may edit roles afterwards in the UI; ``casus init`` only adds what is missing.

A role's row scopes and field clearances are data, stored on the role by its id
(``app.access.models.RoleAccess``): the ones declared here are what a seeded role
starts with. Renaming a role changes nothing of what it gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLE_ADMIN = "Functioneel beheerder"
ROLE_COORDINATOR = "Coördinator"
ROLE_CASE_DIRECTOR = "Casusregisseur"
ROLE_CORE_PARTNER = "Kernpartner"
ROLE_PARTNER = "Ketenpartner"
ROLE_PRIVACY = "Privacy officer"
ROLE_MANAGEMENT = "Management"
#: The system user of a partner organisation, behind its API keys (app.auth.api_keys).
ROLE_SYSTEM = "Partnersysteem"

READ = ("can_list", "can_show", "can_get", "can_info")
WRITE = ("can_add", "can_edit", "can_post", "can_put")
DELETE = ("can_delete",)

#: Everybody who can log in may see their own profile and change their password.
SELF_SERVICE: tuple[tuple[str, str], ...] = (
    ("can_userinfo", "CasusUserDBModelView"),
    ("resetmypassword", "CasusUserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("userinfoedit", "CasusUserDBModelView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    # Own tasks, notifications and e-mail setting (app/views/tasks.py).
    ("can_tasks", "TasksView"),
    ("menu_access", "My tasks"),
)


#: Row scopes a role can give (the row rules themselves live in ``app.access.rows``).
SCOPE_CORE = "core"            # all included cases and signals, if the organisation is core
SCOPE_COORDINATE = "coordinate"  # change any organisation's rows, grant admissions
SCOPE_DIRECTED = "directed"    # the cases the user directs
SCOPE_ADMITTED = "admitted"    # the cases the user's organisation is admitted to
SCOPE_RETENTION = "retention"  # subject lists (no case content) for retention work
SCOPE_FIGURES = "figures"      # aggregate figures over every case, never a row (Management)
#: The scopes that show case content: changes to holders of these need four eyes.
CASE_CONTENT_SCOPES = frozenset({SCOPE_CORE, SCOPE_COORDINATE, SCOPE_DIRECTED, SCOPE_ADMITTED})

#: Every row scope, in the order the permission matrix shows them.
SCOPES = (SCOPE_CORE, SCOPE_COORDINATE, SCOPE_DIRECTED, SCOPE_ADMITTED, SCOPE_RETENTION,
          SCOPE_FIGURES)

#: Sensitive field categories a role can be cleared for.
CLEAR_BSN = "bsn"
CLEAR_CRIMINAL = "criminal"
CLEAR_HEALTH = "health"
CLEARANCES = (CLEAR_BSN, CLEAR_CRIMINAL, CLEAR_HEALTH)

#: Screens and APIs that change roles, users, memberships and approvals. Any right on
#: them beyond looking is a right to hand out access: granting it takes four eyes.
SECURITY_VIEWS = frozenset({
    "RoleModelView", "CasusUserDBModelView", "UserGroupModelView", "AccessAdminView",
    "ApprovalRequestModelView", "Role", "User", "Group", "Permission", "ViewMenu",
    "PermissionViewMenu", "PermissionModelView", "ViewMenuModelView",
    "PermissionViewModelView",
})
#: Rights on those screens that change nothing, or only the user's own account.
HARMLESS_PERMISSIONS = frozenset({
    *("can_list", "can_show", "can_get", "can_info", "menu_access"),
    "can_explain", "can_view_as", "can_userinfo", "userinfoedit", "resetmypassword",
    "can_this_form_get", "can_this_form_post", "can_list_role_permissions",
})


def is_sensitive_right(permission: str, view_menu: str) -> bool:
    """Whether a (permission, view) pair lets its holder change who may do what."""
    return view_menu in SECURITY_VIEWS and permission not in HARMLESS_PERMISSIONS


@dataclass(frozen=True)
class RoleSpec:
    """A seeded role: its permission grants, row scopes and field clearances as it
    starts (all three editable afterwards; scopes and clearances with four eyes)."""

    name: str
    description: str
    grants: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    scopes: frozenset[str] = frozenset()
    clearances: frozenset[str] = frozenset()


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
# Access administration (app/views/access_admin.py).
ACCESS_ADMIN = (
    *_views(("can_matrix", "can_explain", "can_view_as"), "AccessAdminView"),
    *_views(READ, "PermissionChangeModelView"),
    *_menus("Toegang", "Permission matrix", "Why can this user see this case?",
            "View as a role", "Permission changes"),
)
ADMISSIONS_READ = (*_views(READ, "CaseAdmissionModelView"), *_menus("Admissions"))
ADMISSIONS_MANAGE = (*_views(("*",), "CaseAdmissionModelView"), *_menus("Admissions"))

# The REST API (app/api): cases, the catalogue and the OpenAPI description to read for
# every case role; interventions to register and update for the roles that deliver them.
API_READ = _views(READ, "CaseApi", "InterventionTypeApi", "OpenApi")
API_INTERVENTIONS = _views(READ + WRITE, "InterventionApi")
# The feed of changes concerning the caller's organisation (app.api.changes).
API_CHANGES = _views(("can_get",), "ChangesApi")
# Case conferences, for the roles that see them on screen (core partners, directors).
API_CONFERENCES = _views(READ, "CaseConferenceApi")

# Management information (app/views/management.py): the dashboard and its PDF for every
# role that works with cases (figures follow the viewer's access) and for Management;
# exports (app/views/exports.py) only for roles that see the listed rows themselves.
MANAGEMENT = (*_views(("can_dashboard", "can_report"), "ManagementView"),
              *_menus("Sturing", "Dashboard"))
EXPORTS = (("can_export", "ExportView"),)
EXPORT_LOG = (*_views(READ, "ExportLogModelView"), *_menus("Sturing", "Export log"))

# The case process (app/views/workflow.py, app/views/conferences.py): one permission per
# transition, so each role gets exactly the decisions it takes.
WORKFLOW_VIEWS = ("CaseWorkflowView", "SignalWorkflowView", "ConferenceAgendaView")
DIRECTOR_WORKFLOW = (
    # Closing and reopening only their own case: ``app.workflow`` checks the director.
    *_views(("can_conference", "can_escalate", "can_de_escalate", "can_close",
             "can_reopen"), "CaseWorkflowView"),
    *_views(("can_agenda", "can_record"), "ConferenceAgendaView"),
)
WEIGHING = (("can_weigh", "SignalWorkflowView"), ("can_agenda", "ConferenceAgendaView"),
            *_menus("Weighing"))


ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(
        ROLE_ADMIN,
        "Beheert gebruikers, organisaties, rollen en de interventiecatalogus; "
        "ziet geen casusinhoud.",
        grants=(
            *_views(("*",), "CasusUserDBModelView", "RoleModelView", *CATALOGUE_VIEWS),
            *_views(READ, "PermissionModelView", "ViewMenuModelView",
                    "PermissionViewModelView"),
            *_menus("Security", "List Users", "List Roles", "Beheer", "Organisations",
                    "Risk groups", "Intervention catalogue"),
            # The e-mail queue of tasks (app/views/tasks.py): recipients and delivery only.
            *_views(READ, "OutboxMailModelView"), *_menus("E-mail queue"),
            *ACCESS_ADMIN,
            *_views(("*",), "LoginBlockModelView"), *_menus("Blocked logins"),
            # Partner systems' API keys (app/views/api_keys.py): issued, rotated, revoked.
            *_views(("*",), "ApiKeyModelView", "ApiKeyIssueView"),
            *_menus("API keys", "Issue an API key"),
            # Sees the changes awaiting approval; deciding is for a second person.
            *_views(READ, "ApprovalRequestModelView"), *_menus("Changes to review"),
        ),
    ),
    RoleSpec(
        ROLE_COORDINATOR,
        "Coördinator OOV: voert casussen door het proces en bereidt het casusoverleg voor.",
        scopes=frozenset({SCOPE_CORE, SCOPE_COORDINATE, SCOPE_DIRECTED}),
        clearances=frozenset({CLEAR_BSN, CLEAR_CRIMINAL, CLEAR_HEALTH}),
        grants=(
            *_views(("*",), *CASE_WORK_VIEWS),
            *_views(("can_dossier", "can_agenda"), "DossierPrintView"),
            *_views(READ, *CATALOGUE_VIEWS),
            *CASE_MENUS, *ADMISSIONS_MANAGE,
            *_views(("*",), *WORKFLOW_VIEWS), *_menus("Weighing"),
            *API_READ, *API_INTERVENTIONS, *API_CONFERENCES, *API_CHANGES,
            *MANAGEMENT, *EXPORTS, *EXPORT_LOG,
        ),
    ),
    RoleSpec(
        ROLE_CASE_DIRECTOR,
        "Casusregisseur: coördineert de casussen die hij of zij regisseert.",
        scopes=frozenset({SCOPE_DIRECTED, SCOPE_ADMITTED}),
        clearances=frozenset({CLEAR_CRIMINAL, CLEAR_HEALTH}),
        grants=(
            *_views(("can_dossier", "can_agenda"), "DossierPrintView"),
            *_views(READ + WRITE, *CASE_WORK_VIEWS),
            *_views(READ, *CATALOGUE_VIEWS),
            *CASE_MENUS, *ADMISSIONS_READ,
            *DIRECTOR_WORKFLOW,
            *API_READ, *API_INTERVENTIONS, *API_CONFERENCES, *API_CHANGES,
            *MANAGEMENT, *EXPORTS,
        ),
    ),
    RoleSpec(
        ROLE_CORE_PARTNER,
        "Kernpartner (politie, OM): weegt signalen en ziet opgenomen casussen.",
        scopes=frozenset({SCOPE_CORE, SCOPE_ADMITTED}),
        clearances=frozenset({CLEAR_BSN, CLEAR_CRIMINAL}),
        grants=(
            *_views(READ, *CASE_WORK_VIEWS, *CATALOGUE_VIEWS),
            *_views(READ + WRITE, "SignalModelView", "WeighingModelView",
                    "InterventionModelView"),
            *CASE_MENUS, *ADMISSIONS_READ,
            *WEIGHING,
            *API_READ, *API_INTERVENTIONS, *API_CONFERENCES, *API_CHANGES,
            *MANAGEMENT, *EXPORTS,
        ),
    ),
    RoleSpec(
        ROLE_PARTNER,
        "Ketenpartner: registreert en actualiseert de eigen interventies.",
        scopes=frozenset({SCOPE_ADMITTED}),
        grants=(
            *_views(READ, "CaseModelView", "InterventionTypeModelView"),
            *_views(READ + WRITE, "InterventionModelView"),
            *_menus("Casuswerk", "Cases", "Interventions", "Start"), *ADMISSIONS_READ,
            *API_READ, *API_INTERVENTIONS, *API_CHANGES,
            *MANAGEMENT, *EXPORTS,
        ),
    ),
    RoleSpec(
        ROLE_SYSTEM,
        "Partnersysteem: het eigen systeem van een partnerorganisatie, via een API-sleutel; "
        "ziet wat de organisatie is toegelaten en registreert de eigen interventies.",
        scopes=frozenset({SCOPE_ADMITTED}),
        grants=(*API_READ, *API_INTERVENTIONS, *API_CHANGES),
    ),
    RoleSpec(
        ROLE_PRIVACY,
        "Privacy officer: auditlog, inzageverzoeken en bewaartermijnen; geen casusinhoud.",
        scopes=frozenset({SCOPE_RETENTION}),
        grants=(
            *_menus("Start"),
            ("can_explain", "AccessAdminView"), *_views(READ, "PermissionChangeModelView"),
            *_menus("Toegang", "Why can this user see this case?", "Permission changes"),
            *EXPORT_LOG,
            *_views(READ, "SecurityEventModelView"), *_menus("Security", "Security events"),
            # The second pair of eyes for sensitive changes (app/approvals.py).
            *_views(READ + ("approve", "refuse"), "ApprovalRequestModelView"),
            *_menus("Changes to review"),
            # The workbench: the audit trail, timelines, unusual access (app/views/privacy.py).
            *_views(READ, "AuditRecordModelView"),
            *_views(("can_person", "can_case", "can_unusual"), "PrivacyView"),
            *_menus("Privacy", "Audit trail", "Print log", "Unusual access"),
            # Retention and access requests (app/retention, app/views/retention.py).
            *_views(("can_list", "can_propose", "can_hold", "can_lift"), "RetentionView"),
            *_views(READ, "DestructionRecordModelView"),
            *_views(("can_search", "can_report"), "SubjectAccessView"),
            *_menus("Retention list", "Destruction records", "Subject access report"),
        ),
    ),
    RoleSpec(
        ROLE_MANAGEMENT,
        "Management: de aanpak in cijfers (dashboard en rapportage); geen casusinhoud, "
        "geen namen of nummers, aantallen onder de drempel als < 5.",
        scopes=frozenset({SCOPE_FIGURES}),
        grants=(*_menus("Start"), *MANAGEMENT),
    ),
)


ROLE_SPECS: dict[str, RoleSpec] = {spec.name: spec for spec in ROLES}

