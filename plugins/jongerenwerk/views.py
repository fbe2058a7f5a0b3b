"""The mentoring trajectory screen and its meeting log."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired

from casusregie.app.access import current_actor
from casusregie.app.plugins import (
    INTERVENTION_LABELS,
    DateNotInFuture,
    InterventionKindView,
    intervention_child_filter,
)
from casusregie.app.views.base import CasusModelView, remote_select
from casusregie.plugins.jongerenwerk.models import MentoringMeeting, MentoringTrajectory

LABELS = {
    **INTERVENTION_LABELS,
    "mentor": _l("Mentor"),
    "meeting_frequency": _l("Meeting frequency"),
    "trajectory": _l("Mentoring trajectory"),
    "met_on": _l("Date of meeting"),
    "note": _l("Short note"),
}


class MentoringMeetingModelView(CasusModelView):
    datamodel = SQLAInterface(MentoringMeeting)
    # Meetings are not interventions themselves: show only those of visible trajectories.
    base_filters = intervention_child_filter("trajectory_id")
    list_title = _l("Meetings")
    show_title = _l("Meeting")
    add_title = _l("Log meeting")
    edit_title = _l("Edit meeting")
    label_columns = LABELS
    # Not the trajectory: an eager join of a guarded subclass alias is not adapted by the
    # access guard's loader criteria yet; the log is read from its trajectory's page.
    list_columns = ["met_on", "note"]
    show_columns = add_columns = edit_columns = ["trajectory", "met_on", "note"]
    search_columns = ["met_on"]
    base_order = ("met_on", "desc")
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    validators_columns = {
        "met_on": [DateNotInFuture(_l("A meeting cannot be logged before it took place."))],
    }

    def _check_own(self, item: MentoringMeeting) -> None:
        actor = current_actor()
        trajectory = item.trajectory
        if actor is None or trajectory is None or \
                trajectory.organisation_id != actor.organisation_id:
            raise ValueError(_("Only the organisation that mentors may log its meetings."))

    def pre_add(self, item: MentoringMeeting) -> None:
        self._check_own(item)

    def pre_update(self, item: MentoringMeeting) -> None:
        self._check_own(item)


class MentoringTrajectoryModelView(InterventionKindView):
    datamodel = SQLAInterface(MentoringTrajectory)
    list_title = _l("Mentoring trajectories")
    show_title = _l("Mentoring trajectory")
    add_title = _l("Register mentoring trajectory")
    edit_title = _l("Edit mentoring trajectory")
    label_columns = LABELS
    list_columns = ["case", "organisation", "mentor", "meeting_frequency", "status",
                    "start_date"]
    search_columns = ["mentor", "status", "start_date"]
    show_columns = ["case", "type", "organisation", "goal", "status", "start_date", "end_date",
                    "mentor", "meeting_frequency", "outcome"]
    add_columns = ["case", "type", "goal", "status", "start_date", "end_date", "mentor",
                   "meeting_frequency"]
    # Cases are searched by number (app.views.lookup), not listed in the form.
    add_form_extra_fields = {"case": remote_select(_l("Case"), "case", required=True)}
    edit_columns = ["status", "start_date", "end_date", "mentor", "meeting_frequency",
                    "outcome"]
    # Empty in a trajectory agreed in a case conference; required when youth work
    # registers it.
    validators_columns = {"mentor": [DataRequired()], "meeting_frequency": [DataRequired()]}
    related_views = [MentoringMeetingModelView]
