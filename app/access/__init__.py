"""THE access policy: who may see or change which cases, rows and fields.

Every view, API, search, count, export and report asks this package. The functions
below are the public contract; ``app.access.policy`` implements them.
"""

from app.access import models as _models  # noqa: F401  (the permission change log)
from app.access.policy import (
    AccessPolicyViewMixin,
    Actor,
    can_see_field,
    current_actor,
    figures_access,
    figures_only,
    row_criteria,
    system_access,
    visible_fields,
)


def install_access_guard(app) -> None:
    """Install the ORM guard (``app.access.guard``) for this app's session."""
    from app.access.guard import install

    install(app)

__all__ = [
    "AccessPolicyViewMixin",
    "Actor",
    "can_see_field",
    "current_actor",
    "figures_access",
    "figures_only",
    "install_access_guard",
    "row_criteria",
    "system_access",
    "visible_fields",
]
