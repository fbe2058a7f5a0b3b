"""Admissions of partner organisations to a case, as a service.

Like ``app.workflow`` these functions need no Flask request, flush but never commit, and
refuse before they change anything. The access guard still checks the flush: only a
coordinator may change an admission.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from casusregie.app import clock
from casusregie.app.access import current_actor
from casusregie.app.extensions import db
from casusregie.app.models import CaseAdmission, CasusUser
from casusregie.app.services import service
from casusregie.app.workflow import WorkflowError, WorkflowPermissionError


@service
def end_admission(user: CasusUser, admission: CaseAdmission) -> CaseAdmission:
    """End an admission now: the organisation no longer sees the case from today."""
    actor = current_actor()
    if actor is None or not actor.coordinates:
        raise WorkflowPermissionError(_l("You are not allowed to do this."))
    yesterday = clock.local_today() - dt.timedelta(days=1)
    if admission.ends_on <= yesterday:
        raise WorkflowError(_l("This admission has already ended."))
    admission.ends_on = yesterday
    db.session.flush()
    return admission
