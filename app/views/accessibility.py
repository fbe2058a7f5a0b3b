"""The accessibility statement (toegankelijkheidsverklaring), open to everyone.

Dutch government organisations publish one for every application (Besluit digitale
toegankelijkheid overheid); it is reachable from the footer of every page, also before
login, so that it holds no case content and needs no permission.
"""

from __future__ import annotations

from flask_appbuilder import BaseView, expose


class AccessibilityView(BaseView):
    route_base = "/accessibility"
    default_view = "statement"

    @expose("/")
    def statement(self):
        return self.render_template("casus/accessibility.html")


def register(appbuilder) -> None:
    appbuilder.add_view_no_menu(AccessibilityView())
