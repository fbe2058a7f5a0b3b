"""Former home of the access policy, kept importable while other branches move over.

The rules now live in ``app.access.actor``, ``rows``, ``fields`` and ``explain``; this
module only re-exports their names and holds no logic. New code imports from those
modules (or from ``app.access``).
"""

from __future__ import annotations

from app.access.actor import (  # noqa: F401
    SYSTEM,
    Actor,
    actor_for_user,
    current_actor,
    in_system_access,
    system_access,
)
from app.access.explain import Explanation, explain_case  # noqa: F401
from app.access.fields import (  # noqa: F401
    INTERVENTION_CONTENT_FIELDS,
    SENSITIVE_DOMAINS,
    SENSITIVE_FIELDS,
    can_see_field,
    column_visible,
    field_per_row,
    intervention_content_visible,
)
from app.access.rows import (  # noqa: F401
    ROW_RULES,
    admitted_to,
    can_change_case,
    case_visible,
    content_case_ids_criteria,
    directed_by,
    guarded_model,
    row_criteria,
    visible_case_ids_criteria,
    visible_query,
)
