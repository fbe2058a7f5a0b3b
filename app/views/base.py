"""The base every Casusregie model view builds on."""

from __future__ import annotations

from flask_appbuilder import ModelView

from app.access import AccessPolicyViewMixin


class CasusModelView(AccessPolicyViewMixin, ModelView):
    """A Flask-AppBuilder ``ModelView`` with Casusregie's defaults."""

    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete"]
    page_size = 25
