"""Changes to review ("Te beoordelen wijzigingen"): sensitive changes awaiting a second
person. Read-only apart from the two actions, approve and refuse; the rules (never the
requester, only pending requests, apply on approval) live in ``app.approvals``."""

from __future__ import annotations

from flask import flash, g, redirect, url_for
from flask_appbuilder import AppBuilder
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from casusregie.app import approvals
from casusregie.app.models import ApprovalRequest, ApprovalStatus
from casusregie.app.role_changes import describe_payload
from casusregie.app.views.base import CasusModelView

STATUS_LABELS = {ApprovalStatus.pending.value: _l("Awaiting approval"),
                 ApprovalStatus.approved.value: _l("Approved"),
                 ApprovalStatus.refused.value: _l("Refused")}


def kind_label(kind: str) -> str:
    found = approvals.KINDS.get(kind)
    return str(found.label) if found else kind


def status_label(status) -> str:
    value = getattr(status, "value", status)
    return str(STATUS_LABELS.get(value, value))


class ApprovalRequestModelView(CasusModelView):
    """The requests, newest first; approve or refuse the selected ones."""

    datamodel = SQLAInterface(ApprovalRequest)
    list_title = _l("Changes to review")
    show_title = _l("Change to review")
    base_permissions = ["can_list", "can_show"]
    list_columns = ["requested_at", "kind", "target_label", "requested_by", "status",
                    "decided_by", "decided_at"]
    show_columns = ["requested_at", "kind", "target_label", "payload", "reason",
                    "requested_by", "status", "decided_by", "decided_at"]
    search_columns = ["status", "kind", "target_label", "requested_at"]
    order_columns = ["requested_at", "status", "decided_at"]
    base_order = ("requested_at", "desc")
    formatters_columns = {"kind": kind_label, "status": status_label,
                          "payload": describe_payload}
    label_columns = {"requested_at": _l("Requested at"), "kind": _l("Kind of change"),
                     "target_label": _l("About"), "reason": _l("Reason"),
                     "payload": _l("What is asked"),
                     "requested_by": _l("Requested by"), "status": _l("Status"),
                     "decided_by": _l("Decided by"), "decided_at": _l("Decided at")}

    @action("approve", _l("Approve"), _l("Approve the selected changes? They take effect "
                                         "at once."), "fa-check")
    def approve(self, items):
        return self._decide(items, approve=True)

    @action("refuse", _l("Refuse"), _l("Refuse the selected changes? Nothing changes."),
            "fa-times")
    def refuse(self, items):
        return self._decide(items, approve=False)

    def _decide(self, items, *, approve: bool):
        items = items if isinstance(items, list) else [items]
        done, later, own, closed, refused = [], [], [], [], []
        for req in items:
            try:
                approvals.decide(req, g.user, approve)
                kind = approvals.KINDS.get(req.kind)
                if approve and kind is not None and kind.carried_out_later:
                    later.append(req.target_label)
                else:
                    done.append(req.target_label)
            except approvals.OwnRequestError:
                own.append(req.target_label)
            except approvals.AlreadyDecidedError:
                closed.append(req.target_label)
            except approvals.DeciderNotAllowedError as exc:
                refused.append(str(exc))
        if done:
            flash((_("Approved and carried out: %(names)s", names=", ".join(done))
                   if approve else _("Refused: %(names)s", names=", ".join(done))), "info")
        if later:
            flash(_("Approved; carried out by the next retention run: %(names)s",
                    names=", ".join(later)), "info")
        if own:
            flash(_("You cannot decide on your own request; another person must: "
                    "%(names)s", names=", ".join(own)), "danger")
        if closed:
            flash(_("Already decided: %(names)s", names=", ".join(closed)), "warning")
        for message in refused:
            flash(message, "danger")
        return redirect(url_for(".list"))


def register(appbuilder: AppBuilder) -> None:
    appbuilder.add_view(ApprovalRequestModelView, "Changes to review",
                        label=_l("Changes to review"), category="Security")
