"""The privacy officer's export of the audit trail: a signed, watermarked PDF."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from app import clock
from reports.common import data_table
from reports.document import Furniture, build_styles, render


def signature(hashes: Sequence[str], head: tuple[int, str], title: str) -> str:
    """HMAC-SHA256, keyed with the application's secret key, over the title, the
    listed records' hashes and the chain head: whoever holds the key can recompute it."""
    message = json.dumps({"title": title, "records": list(hashes), "head": list(head)},
                         separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def build_trail_pdf(title: str, records: Sequence[Any], head: tuple[int, str],
                    user: Any) -> tuple[bytes, str]:
    """The records as a table, the chain head and the signature; returns (pdf, signature)."""
    styles = build_styles()
    now = clock.to_local(clock.now_utc())
    signed = signature([r.hash for r in records], head, title)
    rows = [[f"{clock.to_local(r.at):%d-%m-%Y %H:%M:%S}", r.action, r.username or "",
             r.organisation or "", f"{r.object_type} {r.object_id or ''}".strip(),
             r.case_number or "", r.purpose or ""] for r in records]
    flowables = [
        Paragraph(title, styles["Heading1"]),
        Paragraph(_("Chain head: record %(seq)s, hash %(hash)s", seq=head[0], hash=head[1]),
                  styles["Muted"]),
        Paragraph(_("Signature (HMAC-SHA256): %(signature)s", signature=signed),
                  styles["Muted"]),
        Spacer(1, 4 * mm),
        data_table([_("When"), _("Action"), _("User"), _("Organisation"), _("Object"),
                    _("Case"), _("Purpose")], rows,
                   [28 * mm, 20 * mm, 22 * mm, 30 * mm, 25 * mm, 22 * mm, 33 * mm], styles),
    ]
    username = getattr(user, "username", "")
    furniture = Furniture(
        classification=_("CONFIDENTIAL"), reference=title,
        printed=_("Printed by %(name)s on %(when)s", name=username,
                  when=f"{now:%d-%m-%Y %H:%M}"),
        page_of=lambda page, total: _("Page %(page)s of %(total)s", page=page, total=total),
        watermark=f"{username} · {now:%d-%m-%Y}", title=title, author="Casusregie")
    pdf, _pages = render(flowables, furniture)
    return pdf, signed
