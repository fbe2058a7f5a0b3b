"""The plugin manager: discovers, loads and checks plugins, and hands what they
contribute to the core.

A plugin is any importable object (usually a module) published under the entry-point
group ``casusregie.plugins`` whose functions carry ``@hookimpl``. Only plugins named in
the ``PLUGINS`` setting are loaded. Each app builds its own ``pluggy.PluginManager``
(stored in ``app.extensions["casus_plugins"]``), so tests can run apps with different
plugins side by side. Everything a hook returns is checked against the types of
``app.hookspecs`` at start-up: a missing or broken plugin stops the app with a
``PluginError`` naming it. The plugins' field rules are handed to the access policy
(``app.access.register_field_rules``), which answers for every reader.

The core imports this module; it never imports the authors' toolkit (``app.plugins``).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pluggy
import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, flash, request
from flask_appbuilder import AppBuilder
from flask_appbuilder.api import BaseApi

from casusregie.app.access import current_actor, register_field_rules
from casusregie.app.extensions import db
from casusregie.app.hookspecs import (
    ENTRY_POINT_GROUP,
    EXPECTED,
    PROJECT,
    DossierSection,
    FieldRule,
    HookSpecs,
    InterventionKind,
    MigrationSpec,
    PluginError,
    RoleGrant,
    ViewSpec,
)
from casusregie.app.models.intervention import Intervention, InterventionType
from casusregie.app.models.organisation import Organisation

EXTENSION_KEY = "casus_plugins"


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
            expected = EXPECTED.get(hook)
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
    _by_convention(registry)
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


def _package_folder(plugin: Any) -> Path | None:
    """The folder of a plugin that is a package (``<name>/__init__.py``)."""
    file = getattr(plugin, "__file__", None)
    if not file or Path(file).name != "__init__.py":
        return None
    return Path(file).resolve().parent


def _metadata_of(plugin: Any) -> sa.MetaData:
    """The plugin's own ``MetaData``: ``<plugin>.metadata`` or ``<plugin>.models.metadata``."""
    found = getattr(plugin, "metadata", None)
    if found is None:
        models = getattr(plugin, "models", None)
        found = getattr(models, "metadata", None)
    return found if isinstance(found, sa.MetaData) else sa.MetaData()


def _by_convention(registry: Plugins) -> None:
    """Folders a plugin package holds are found without a hook: ``migrations/`` (with
    ``versions/``), ``translations/`` and ``templates/``. A hook, where a plugin has one,
    names another place and wins."""
    hooked = {hook: {impl.plugin_name for impl in getattr(registry.manager.hook, hook)
                     .get_hookimpls()}
              for hook in ("migrations", "translations_dir", "templates_dir")}
    for name, plugin in registry.manager.list_name_plugin():
        folder = _package_folder(plugin)
        if folder is None:
            continue
        if name not in hooked["migrations"] and (folder / "migrations" / "versions").is_dir():
            registry.migrations[name] = MigrationSpec(
                folder / "migrations", _metadata_of(plugin), f"alembic_version_{name}")
        if name not in hooked["translations_dir"] and (folder / "translations").is_dir():
            registry.translation_dirs.append(folder / "translations")
        if name not in hooked["templates_dir"] and (folder / "templates").is_dir():
            registry.template_dirs[name] = folder / "templates"


def init_plugins(app: Flask) -> Plugins:
    """Load the plugins named in ``PLUGINS`` into ``app`` (before AppBuilder is built)."""
    registry = load_plugins(app.config.get("PLUGINS") or ())
    app.extensions[EXTENSION_KEY] = registry
    register_field_rules(app, registry.field_rules)
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


def _menu_condition(appbuilder: AppBuilder, view_class: type) -> Any:
    """The menu entry shows only when the view says the user can use it (``shown_in_menu``,
    e.g. a kind of intervention the user's organisation neither registers nor oversees)."""
    if not hasattr(view_class, "shown_in_menu"):
        return None

    def shown() -> bool:
        view = next((v for v in appbuilder.baseviews if type(v) is view_class), None)
        return view is None or bool(view.shown_in_menu())

    return shown


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
                                category_label=spec.category_label or "",
                                menu_cond=_menu_condition(appbuilder, spec.view))
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
# casus init and migrations
# --------------------------------------------------------------------------------------


def sync_catalogue(app: Flask | None = None) -> int:
    """Create missing catalogue entries of enabled plugins; never change existing ones."""
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
            db.session.add(InterventionType(name=entry.name, name_en=entry.name_en,
                                            domain=entry.domain,
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
