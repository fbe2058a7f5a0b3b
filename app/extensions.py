"""Flask extensions, created once and bound to each app in ``create_app``."""

from __future__ import annotations

from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# Bound to Flask-AppBuilder's metadata so its security tables and ours share
# one schema; otherwise Alembic autogenerate would want to drop them.
db = SQLA(metadata=Model.metadata)
migrate = Migrate()
csrf = CSRFProtect()
