"""The plugin system: hook specifications, discovery and the per-app plugin manager.

A plugin is any importable object (usually a module) published under the entry-point
group ``casusregie.plugins`` whose functions carry ``@hookimpl``. Only plugins named in
the ``PLUGINS`` setting are loaded. Each app builds its own ``pluggy.PluginManager``
(stored in ``app.extensions["casus_plugins"]``), so tests can run apps with different
plugins side by side. Everything a hook returns is a typed dataclass and is checked at
start-up: a missing or broken plugin stops the app with a ``PluginError`` naming it.

``docs/plugins.md`` is the guide for plugin authors.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pluggy
import sqlalchemy as sa
from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import AppBuilder, expose, has_access
from flask_appbuilder.api import BaseApi
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_babel import gettext as _
from wtforms import Field, Form
from wtforms.validators import StopValidation

from app.access import Actor, can_see_field, current_actor
from app.models.base import InterventionDomain, OrganisationKind
from app.models.intervention import Intervention, InterventionType
from app.views.base import CasusModelView
from reports.api import DossierContext, DossierSection

PROJECT = "casusregie"
ENTRY_POINT_GROUP = "casusregie.plugins"
EXTENSION_KEY = "casus_plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class PluginError(RuntimeError):
    """A plugin named in ``PLUGINS`` is missing or broken; the message names it."""


# --------------------------------------------------------------------------------------
# What hooks return
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewSpec:
    """A Flask-AppBuilder view or API to register.

    ``name`` is the menu entry (and the ``menu_access`` permission); APIs
    (``BaseApi`` subclasses) get no menu entry.
    """

    view: type
    name: str = ""
    label: Any = None
    category: str | None = "Casuswerk"
    category_label: Any = None
    icon: str = ""


@dataclass(frozen=True)
class CatalogueEntry:
    """An entry of the intervention catalogue, created by ``casus init`` when missing.

    ``organisation_kind`` links the entry to the first active organisation of that kind.
    """

    name: str
    domain: InterventionDomain
    description: str = ""
    organisation_kind: OrganisationKind | None = None


@dataclass(frozen=True)
class InterventionKind:
    """An intervention type with its own model, form and screen.

    ``model`` extends ``app.models.Intervention`` through joined-table inheritance with
    ``polymorphic_identity == kind``. ``organisation_kinds`` says which organisations may
    register it (empty: every organisation whose role grants the add permission).
    """

    kind: str
    model: type
    label: Any
    view: ViewSpec
    catalogue: tuple[CatalogueEntry, ...] = ()
    organisation_kinds: frozenset[OrganisationKind] = frozenset()
    api: ViewSpec | None = None


@dataclass(frozen=True)
class RoleGrant:
    """Permissions a role receives: ``(permission, view)`` pairs, ``*`` = all of a view."""

    role: str
    grants: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MigrationSpec:
    """A plugin's own Alembic script directory, metadata and version table."""

    script_location: Path
    metadata: sa.MetaData
    version_table: str = ""


def _nobody(_actor: Actor | None) -> bool:
    return False


@dataclass(frozen=True)
class FieldRule:
    """Fields of ``model`` that only actors for whom ``allows(obj, actor)`` holds may see.

    ``may_see_some(actor)`` answers for the model as a whole (form fields of a new row,
    list and show columns, filters): whether the actor can be allowed on some row. Values
    are still hidden row by row with ``allows``.
    """

    model: type
    fields: frozenset[str]
    allows: Callable[[Any, Actor | None], bool]
    may_see_some: Callable[[Actor | None], bool] = _nobody


@dataclass(frozen=True)
class Notice:
    """A message shown to a user on the start page."""

    message: str
    category: str = "warning"


# --------------------------------------------------------------------------------------
# Hook specifications: every hook is documented here and in docs/plugins.md
# --------------------------------------------------------------------------------------


class HookSpecs:
    """The hooks a Casusregie plugin may implement. All are optional."""

    @hookspec
    def intervention_kinds(self) -> list[InterventionKind]:
        """Intervention types the plugin adds: model, catalogue entries, screen and API.

        Called once at start-up. The model must subclass ``Intervention`` (joined-table
        inheritance) so that the access policy guards it like every core intervention.
        """

    @hookspec
    def views(self) -> list[ViewSpec]:
        """Further Flask-AppBuilder views or APIs (for example a log kept per intervention).

        Views must build on ``CasusModelView`` (``AccessPolicyViewMixin``); models that are
        not interventions must be filtered through their intervention with
        ``intervention_child_filter``.
        """

    @hookspec
    def role_grants(self) -> list[RoleGrant]:
        """Which roles get which of the plugin's permissions; applied by ``casus init``.

        Grants are only ever added, never removed, like the core roles.
        """

    @hookspec
    def dossier_sections(self) -> list[DossierSection]:
        """Sections the plugin adds to the case dossier (``reports.api.DossierSection``).

        ``render`` reads through the normal session (so the access policy applies) and
        hides fields the printing actor may not see.
        """

    @hookspec
    def translations_dir(self) -> Path | None:
        """A directory with ``<lang>/LC_MESSAGES/messages.mo`` catalogues (nl and en).

        Added to ``BABEL_TRANSLATION_DIRECTORIES`` after the core's; a plugin's entry
        overrides the core's for the same English text, so translate your own strings only.
        """

    @hookspec
    def templates_dir(self) -> Path | None:
        """A directory of Jinja templates, searched after the application's own."""

    @hookspec
    def migrations(self) -> MigrationSpec | None:
        """The plugin's Alembic script directory, metadata and version table.

        Run by ``flask casus plugins-upgrade``; the version table defaults to
        ``alembic_version_<plugin>``. Plugin tables never live in the core metadata.
        """

    @hookspec
    def cli_commands(self) -> list[click.Command]:
        """Click commands added to ``flask --app app ...`` (prefix names with the plugin)."""

    @hookspec
    def field_rules(self) -> list[FieldRule]:
        """Field-level rules for sensitive fields of the plugin's models."""

    @hookspec
    def start_notices(self, actor: Actor) -> list[Notice]:
        """Messages for ``actor`` on the start page (e.g. a measure about to expire).

        Called on every visit of the start page: keep it to one query.
        """


HOOK_NAMES: tuple[str, ...] = tuple(
    name for name, value in vars(HookSpecs).items() if callable(value) and not
    name.startswith("_")
)

_EXPECTED: dict[str, type | tuple[type, ...]] = {
    "intervention_kinds": InterventionKind,
    "views": ViewSpec,
    "role_grants": RoleGrant,
    "dossier_sections": DossierSection,
    "cli_commands": click.Command,
    "field_rules": FieldRule,
    "start_notices": Notice,
}


# --------------------------------------------------------------------------------------
# The per-app registry
# --------------------------------------------------------------------------------------


@dataclass
class Plugins:
    """The enabled plugins of one app and what they contributed (checked at start-up)."""

    manager: pluggy.PluginManager
    names: tuple[str, ...]
    kinds: list[tuple[str, InterventionKind]] = field(default_factory=list)
    views: list[tuple[str, ViewSpec]] = field(default_factory=list)
    grants: list[tuple[str, RoleGrant]] = field(default_factory=list)
    sections: list[tuple[str, DossierSection]] = field(default_factory=list)
    migrations: dict[str, MigrationSpec] = field(default_factory=dict)
    field_rules: list[FieldRule] = field(default_factory=list)
    translation_dirs: list[Path] = field(default_factory=list)
    template_dirs: dict[str, Path] = field(default_factory=dict)
    commands: list[tuple[str, click.Command]] = field(default_factory=list)

    def kind(self, kind: str) -> InterventionKind | None:
        return next((k for _, k in self.kinds if k.kind == kind), None)

    def call(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call ``hook`` on every plugin; return ``(plugin, result)`` pairs, checked."""
        results: list[tuple[str, Any]] = []
        for impl in getattr(self.manager.hook, hook).get_hookimpls():
            plugin = impl.plugin_name
            try:
                value = impl.function(**kwargs)
            except Exception as exc:
                raise PluginError(
                    f"plugin {plugin!r} failed in hook {hook}: {type(exc).__name__}: {exc}"
                ) from exc
            if value is None:
                continue
            expected = _EXPECTED.get(hook)
            if expected is not None:
                if not isinstance(value, list | tuple):
                    raise PluginError(f"plugin {plugin!r}: hook {hook} must return a list")
                for item in value:
                    if not isinstance(item, expected):
                        raise PluginError(
                            f"plugin {plugin!r}: hook {hook} returned {item!r}, "
                            f"expected {getattr(expected, '__name__', expected)}")
                    results.append((plugin, item))
            else:
                results.append((plugin, value))
        return results


def installed_plugins() -> dict[str, importlib.metadata.EntryPoint]:
    """Every plugin installed in this environment, by entry-point name."""
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def _load(names: Iterable[str]) -> pluggy.PluginManager:
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(HookSpecs)
    installed = installed_plugins()
    for name in names:
        entry_point = installed.get(name)
        if entry_point is None:
            known = ", ".join(sorted(installed)) or "none"
            raise PluginError(
                f"plugin {name!r} is enabled in PLUGINS but not installed "
                f"(no entry point {name!r} in group {ENTRY_POINT_GROUP}; installed: {known})")
        try:
            plugin = entry_point.load()
            manager.register(plugin, name=name)
        except Exception as exc:
            raise PluginError(
                f"plugin {name!r} ({entry_point.value}) failed to load: "
                f"{type(exc).__name__}: {exc}") from exc
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin_name!r}: {exc}") from exc
    return manager


def _check_kind(plugin: str, kind: InterventionKind) -> None:
    model = kind.model
    if not (isinstance(model, type) and issubclass(model, Intervention)):
        raise PluginError(f"plugin {plugin!r}: intervention kind {kind.kind!r} has a model "
                          "that does not extend app.models.Intervention")
    identity = model.__mapper__.polymorphic_identity
    if identity != kind.kind:
        raise PluginError(f"plugin {plugin!r}: model {model.__name__} has polymorphic_identity "
                          f"{identity!r}, expected {kind.kind!r}")
    if model.__table__.metadata is Intervention.metadata:
        raise PluginError(f"plugin {plugin!r}: model {model.__name__} must declare its own "
                          "MetaData (metadata = sa.MetaData()) so core migrations leave it alone")


def load_plugins(names: Iterable[str]) -> Plugins:
    """Discover, load and check the named plugins (raises ``PluginError``)."""
    names = tuple(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    registry = Plugins(manager=_load(names), names=names)
    registry.kinds = registry.call("intervention_kinds")
    for plugin, kind in registry.kinds:
        _check_kind(plugin, kind)
    seen: set[str] = set()
    for _plugin, kind in registry.kinds:
        if kind.kind in seen:
            raise PluginError(f"intervention kind {kind.kind!r} is declared twice")
        seen.add(kind.kind)
    registry.views = registry.call("views")
    registry.grants = registry.call("role_grants")
    registry.sections = registry.call("dossier_sections")
    registry.field_rules = [rule for _, rule in registry.call("field_rules")]
    registry.commands = registry.call("cli_commands")
    for plugin, spec in registry.call("migrations"):
        if not isinstance(spec, MigrationSpec):
            raise PluginError(f"plugin {plugin!r}: hook migrations must return a MigrationSpec")
        if not (Path(spec.script_location) / "versions").is_dir():
            raise PluginError(f"plugin {plugin!r}: migrations directory "
                              f"{spec.script_location} has no versions/ folder")
        registry.migrations[plugin] = MigrationSpec(
            Path(spec.script_location), spec.metadata,
            spec.version_table or f"alembic_version_{plugin}")
    for hook, target in (("translations_dir", registry.translation_dirs),
                         ("templates_dir", registry.template_dirs)):
        for plugin, directory in registry.call(hook):
            path = Path(directory)
            if not path.is_dir():
                raise PluginError(f"plugin {plugin!r}: {hook} {path} is not a directory")
            if isinstance(target, list):
                target.append(path)
            else:
                target[plugin] = path
    return registry


def init_plugins(app: Flask) -> Plugins:
    """Load the plugins named in ``PLUGINS`` into ``app`` (before AppBuilder is built)."""
    registry = load_plugins(app.config.get("PLUGINS") or ())
    app.extensions[EXTENSION_KEY] = registry
    if registry.translation_dirs:
        dirs = [app.config.get("BABEL_TRANSLATION_DIRECTORIES") or "translations"]
        dirs += [str(d) for d in registry.translation_dirs]
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(dirs)
    for plugin, directory in registry.template_dirs.items():
        app.register_blueprint(Blueprint(f"plugin_{plugin}_templates", __name__,
                                         template_folder=str(directory)))
    for _plugin, command in registry.commands:
        app.cli.add_command(_with_app_context(command))
    app.before_request(_flash_start_notices)
    _fall_back_for_unknown_kinds()
    return registry


def _with_app_context(command: click.Command) -> click.Command:
    """Run a plugin's command (and a group's subcommands) inside the app context."""
    from flask.cli import with_appcontext

    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_app_context(sub)
    elif command.callback is not None and not getattr(command, "_casus_app_context", False):
        command.callback = with_appcontext(command.callback)
        command._casus_app_context = True  # type: ignore[attr-defined]
    return command


def register_plugin_views(appbuilder: AppBuilder) -> None:
    """Add every plugin view and API to ``appbuilder`` (after the core views)."""
    registry = plugins_of()
    specs = [spec for _, kind in registry.kinds for spec in (kind.view, kind.api) if spec]
    specs += [spec for _, spec in registry.views]
    for spec in specs:
        if issubclass(spec.view, BaseApi):
            appbuilder.add_api(spec.view)
        elif spec.name:
            appbuilder.add_view(spec.view, spec.name, label=spec.label or spec.name,
                                icon=spec.icon, category=spec.category or "",
                                category_label=spec.category_label or "")
        else:
            appbuilder.add_view_no_menu(spec.view)


def plugins_of(app: Flask | None = None) -> Plugins:
    app = app or current_app
    registry = app.extensions.get(EXTENSION_KEY)
    if registry is None:  # an app built without create_app (never in production)
        registry = Plugins(manager=_load(()), names=())
        app.extensions[EXTENSION_KEY] = registry
    return registry


def dossier_sections(app: Flask) -> list[DossierSection]:
    """The dossier sections enabled plugins contribute, in their ``order``.

    The hook runs again on every call so titles come out in the printing user's language.
    """
    sections = plugins_of(app).call("dossier_sections")
    return sorted((s for _, s in sections), key=lambda s: (s.order, s.key))


def role_grants(app: Flask) -> list[RoleGrant]:
    return [grant for _, grant in plugins_of(app).grants]


def field_visible(obj: Any, field_name: str, actor: Actor | None = None) -> bool:
    """The access policy's field rule combined with the enabled plugins' field rules."""
    actor = actor if actor is not None else current_actor()
    if not can_see_field(obj, field_name, actor):
        return False
    model = obj if isinstance(obj, type) else type(obj)
    for rule in plugins_of().field_rules:
        if field_name in rule.fields and issubclass(model, rule.model):
            allowed = rule.may_see_some(actor) if isinstance(obj, type) \
                else rule.allows(obj, actor)
            if not allowed:
                return False
    return True


def field_rule_per_row(model: type, field_name: str) -> bool:
    """Whether an enabled plugin judges ``field_name`` row by row for ``model`` or one of
    its subclasses (so the answer for the model as a whole does not hold for every row)."""
    return any(field_name in rule.fields
               and (issubclass(model, rule.model) or issubclass(rule.model, model))
               for rule in plugins_of().field_rules)


# --------------------------------------------------------------------------------------
# Interventions of disabled plugins
# --------------------------------------------------------------------------------------


class _KindMap(dict):
    """Polymorphic map that loads rows of an unknown kind as plain interventions.

    When a plugin is disabled its rows stay in the database; the core must still list
    them (with the core fields) instead of failing on an unknown ``kind``.
    """

    def __missing__(self, key: Any) -> Any:
        return Intervention.__mapper__


def _fall_back_for_unknown_kinds() -> None:
    mapper = Intervention.__mapper__
    if isinstance(mapper.polymorphic_map, _KindMap):
        return
    kind_map = _KindMap(mapper.polymorphic_map)
    for sub in mapper.self_and_descendants:
        sub.polymorphic_map = kind_map


# --------------------------------------------------------------------------------------
# Start page notices
# --------------------------------------------------------------------------------------


def _flash_start_notices() -> None:
    if request.method != "GET" or request.endpoint != "HomeView.index":
        return
    actor = current_actor()
    if actor is None:
        return
    for _plugin, notice in plugins_of().call("start_notices", actor=actor):
        flash(notice.message, notice.category)


# --------------------------------------------------------------------------------------
# Building blocks for plugin screens
# --------------------------------------------------------------------------------------


class VisibleInterventionFilter(BaseFilter):
    """Rows whose intervention the user may see (the guard applies to the subquery)."""

    name = "Visible intervention"
    arg_name = "vi"

    def apply(self, query, value):
        column = getattr(self.model, self.column_name)
        return query.filter(column.in_(sa.select(Intervention.id)))


def intervention_child_filter(column: str) -> list[list[Any]]:
    """``base_filters`` for a model that belongs to an intervention through ``column``."""
    return [[column, VisibleInterventionFilter, None]]


# The validators below stop the chain: Flask-AppBuilder appends ``Optional()`` to nullable
# columns, and ``Optional`` erases the errors of the validators before it.


class RequiredWhen:
    """The field is required when ``other`` holds a truthy value (message next to it)."""

    def __init__(self, other: str, message: Any) -> None:
        self.other = other
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        if form[self.other].data and not field.data:
            raise StopValidation(str(self.message))


class DateNotBefore:
    """A date field may not lie before the date in ``other`` (when both are filled in)."""

    def __init__(self, other: str, message: Any) -> None:
        self.other = other
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        other = form[self.other].data
        if field.data and other and field.data < other:
            raise StopValidation(str(self.message))


class DateNotInFuture:
    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        if field.data and field.data > dt.date.today():
            raise StopValidation(str(self.message))


CORE_ADD_COLUMNS = ["case", "type", "goal", "status", "start_date", "end_date"]


class InterventionKindView(CasusModelView):
    """The screen of a plugin intervention kind.

    Restricts the type dropdown to the kind's catalogue entries, records the
    registering user's organisation, refuses organisations the kind does not allow, and
    hides fields the access policy or a plugin field rule keeps from the user.
    """

    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    base_order = ("start_date", "desc")

    def __init__(self, **kwargs: Any) -> None:
        kind = self.datamodel.obj.__mapper__.polymorphic_identity
        self.add_form_query_rel_fields = {"type": [["kind", FilterEqual, kind]]}
        self.edit_form_query_rel_fields = {"type": [["kind", FilterEqual, kind]]}
        super().__init__(**kwargs)

    @property
    def intervention_kind(self) -> InterventionKind:
        kind = plugins_of().kind(self.datamodel.obj.__mapper__.polymorphic_identity)
        if kind is None:  # the view is only registered when its plugin is enabled
            abort(404)
        return kind

    def may_register(self, actor: Actor | None) -> bool:
        allowed = self.intervention_kind.organisation_kinds
        if actor is None or actor.organisation_id is None:
            return False
        if not allowed:
            return True
        from app.extensions import db
        from app.models.organisation import Organisation

        org = db.session.get(Organisation, actor.organisation_id)
        return org is not None and org.kind in allowed

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        if not self.may_register(current_actor()):
            flash(_("Your organisation cannot register a %(kind)s.",
                    kind=str(self.intervention_kind.label)), "danger")
            return redirect(url_for(f"{self.endpoint}.list"))
        return super().add()

    def pre_add(self, item: Any) -> None:
        actor = current_actor()
        if not self.may_register(actor):
            raise ValueError(_("Your organisation cannot register a %(kind)s.",
                               kind=str(self.intervention_kind.label)))
        item.organisation_id = actor.organisation_id

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        if not all(field_visible(item, c) for c in self.edit_columns):
            flash(_("You may not change this intervention."), "danger")
            return redirect(url_for(f"{self.endpoint}.list"))
        return super().edit(pk)

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        columns = [c for c in self.show_columns if field_visible(item, c)]
        widgets = widgets or {}
        widgets["show"] = self.show_widget(
            pk=pk,
            label_columns=self.label_columns,
            include_columns=columns,
            value_columns=self.datamodel.get_values_item(item, columns),
            formatters_columns=self.formatters_columns,
            actions=actions or self.actions,
            fieldsets=None,
            modelview_name=self.__class__.__name__,
        )
        return widgets


# --------------------------------------------------------------------------------------
# Dossier helpers
# --------------------------------------------------------------------------------------


def section_rows(ctx: DossierContext, title: str,
                 rows: list[tuple[str, Any]]) -> list[Any]:
    """Flowables for one item of a section: a bold title and label/value rows."""
    from xml.sax.saxutils import escape

    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, Spacer, Table

    sample = getSampleStyleSheet()
    heading = ctx.styles.get("Heading3") or sample["Heading3"]
    label = ctx.styles.get("Label") or sample["BodyText"]
    cell = ctx.styles.get("Cell") or sample["BodyText"]
    data = [[Paragraph(escape(str(k)), label),
             Paragraph(escape("" if v is None else str(v)), cell)] for k, v in rows]
    flowables: list[Any] = [Paragraph(escape(title), heading)]
    if data:
        flowables.append(Table(data, colWidths=["35%", "65%"], hAlign="LEFT"))
    flowables.append(Spacer(1, 6))
    return flowables


def empty_section(ctx: DossierContext, message: str) -> list[Any]:
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph

    return [Paragraph(message, ctx.styles.get("Body") or getSampleStyleSheet()["BodyText"])]


def format_date(value: dt.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


# --------------------------------------------------------------------------------------
# casus init and migrations
# --------------------------------------------------------------------------------------


def sync_catalogue(app: Flask | None = None) -> int:
    """Create missing catalogue entries of enabled plugins; never change existing ones."""
    from app.extensions import db
    from app.models.organisation import Organisation

    registry = plugins_of(app)
    existing = {name for (name,) in db.session.query(InterventionType.name)}
    added = 0
    for _plugin, kind in registry.kinds:
        for entry in kind.catalogue:
            if entry.name in existing:
                continue
            org = None
            if entry.organisation_kind is not None:
                org = (db.session.query(Organisation)
                       .filter(Organisation.kind == entry.organisation_kind,
                               Organisation.active.is_(True))
                       .order_by(Organisation.id).first())
            db.session.add(InterventionType(name=entry.name, domain=entry.domain,
                                            kind=kind.kind, description=entry.description,
                                            organisation=org, active=True))
            existing.add(entry.name)
            added += 1
    db.session.commit()
    return added


def upgrade_plugin_schemas(app: Flask | None = None, only: Iterable[str] = ()) -> list[str]:
    """Bring every enabled plugin's tables to its newest migration; return what ran."""
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    from app.extensions import db

    registry = plugins_of(app)
    done: list[str] = []
    for plugin, spec in registry.migrations.items():
        if only and plugin not in only:
            continue
        config = Config()
        config.set_main_option("script_location", str(spec.script_location))
        script = ScriptDirectory.from_config(config)

        def upgrade(rev, _context, script=script):
            return script._upgrade_revs("heads", rev)

        with db.engine.connect() as connection:
            with EnvironmentContext(config, script, fn=upgrade, destination_rev="heads") as env:
                env.configure(connection=connection, target_metadata=spec.metadata,
                              version_table=spec.version_table,
                              render_as_batch=connection.dialect.name == "sqlite")
                with env.begin_transaction():
                    env.run_migrations()
            connection.commit()
        done.append(plugin)
    return done


def plugin_schema_heads(app: Flask | None = None) -> dict[str, tuple[str | None, str | None]]:
    """Per enabled plugin: (revision in the database, newest revision)."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from app.extensions import db

    result: dict[str, tuple[str | None, str | None]] = {}
    for plugin, spec in plugins_of(app).migrations.items():
        script = ScriptDirectory(str(spec.script_location))
        with db.engine.connect() as connection:
            ctx = MigrationContext.configure(connection,
                                             opts={"version_table": spec.version_table})
            result[plugin] = (ctx.get_current_revision(), script.get_current_head())
    return result


@click.command("plugins-upgrade")
def plugins_upgrade_command() -> None:
    """Apply the migrations of every enabled plugin (run after `flask db upgrade`)."""
    for plugin in upgrade_plugin_schemas():
        click.echo(f"plugin {plugin}: schema up to date")
    if not plugins_of().migrations:
        click.echo("No enabled plugin has migrations.")


@click.command("plugins")
def plugins_list_command() -> None:
    """List installed plugins, which are enabled, and their schema revision."""
    registry = plugins_of()
    heads = plugin_schema_heads()
    for name in sorted(set(installed_plugins()) | set(registry.names)):
        state = "enabled" if name in registry.names else "installed, disabled"
        line = f"{name}: {state}"
        if name in heads:
            current, newest = heads[name]
            line += f", schema {current or 'not created'} (newest {newest})"
        click.echo(line)


def install_cli(casus_cli: click.Group) -> None:
    casus_cli.add_command(plugins_upgrade_command)
    casus_cli.add_command(plugins_list_command)
