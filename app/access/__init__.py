"""THE access policy: who may see or change which cases, rows and fields.

Every view, API, search, count, export and report asks this package. The functions
below are the public contract; ``app.access.policy`` implements them.
"""

from app.access.policy import (
    AccessPolicyViewMixin,
    Actor,
    can_see_field,
    current_actor,
    system_access,
    visible_fields,
)

__all__ = [
    "AccessPolicyViewMixin",
    "Actor",
    "can_see_field",
    "current_actor",
    "system_access",
    "visible_fields",
]
