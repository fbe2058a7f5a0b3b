"""The privacy officer's export of the audit trail: a signed, watermarked PDF."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from casusregie.app import clock
from casusregie.app.audit.labels import action_label
from casusregie.reports.common import data_table
from casusregie.reports.document import Furniture, build_styles, render

#: Document information keys holding what the signature covers, and the signature.
MANIFEST_KEY, SIGNATURE_KEY = "/CasusAuditManifest", "/CasusAuditSignature"


def manifest(hashes: Sequence[str], head: tuple[int, str], title: str) -> str:
    """What the signature covers: the title, the listed records' hashes, the chain head."""
    return json.dumps({"title": title, "records": list(hashes), "head": list(head)},
                      separators=(",", ":"), ensure_ascii=False)


def _hmac(message: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def signature(hashes: Sequence[str], head: tuple[int, str], title: str) -> str:
    """HMAC-SHA256, keyed with the application's secret key, over the title, the
    listed records' hashes and the chain head: whoever holds the key can recompute it."""
    return _hmac(manifest(hashes, head, title))


@dataclass
class PdfVerdict:
    ok: bool
    reason: str
    records: int = 0
    title: str = ""


def verify_pdf(data: bytes, session: Any) -> PdfVerdict:
    """Check an exported trail PDF: its signature matches what it covers (so it was made
    with this installation's key and not changed since), the signature printed on its
    first page is that signature, and every record it lists is in the trail."""
    import io

    import sqlalchemy as sa
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from casusregie.app.audit import AuditRecord

    try:
        reader = PdfReader(io.BytesIO(data))
        info = reader.metadata or {}
        message, signed = info.get(MANIFEST_KEY), info.get(SIGNATURE_KEY)
        first_page = reader.pages[0].extract_text() if reader.pages else ""
    except (PdfReadError, ValueError, OSError) as exc:
        return PdfVerdict(False, f"not a readable PDF ({exc})")
    if not message or not signed:
        return PdfVerdict(False, "no audit trail signature in this PDF")
    try:
        content = json.loads(str(message))
        hashes = [str(h) for h in content["records"]]
        title = str(content["title"])
    except (ValueError, KeyError, TypeError):
        return PdfVerdict(False, "the signed content is unreadable")
    if not hmac.compare_digest(_hmac(str(message)), str(signed)):
        return PdfVerdict(False, "the signature does not match the signed content",
                          len(hashes), title)
    if str(signed) not in first_page.replace("\n", ""):
        return PdfVerdict(False, "the signature printed on the first page differs",
                          len(hashes), title)
    found = set()
    for start in range(0, len(hashes), 500):
        found.update(session.scalars(sa.select(AuditRecord.hash).where(
            AuditRecord.hash.in_(hashes[start:start + 500]))))
    missing = [h for h in hashes if h not in found]
    if missing:
        return PdfVerdict(False, f"{len(missing)} listed records are not in the audit trail "
                                 f"(first: {missing[0]})", len(hashes), title)
    return PdfVerdict(True, "signature valid", len(hashes), title)


def build_trail_pdf(title: str, records: Sequence[Any], head: tuple[int, str],
                    user: Any) -> tuple[bytes, str]:
    """The records as a table, the chain head and the signature; returns (pdf, signature)."""
    styles = build_styles()
    now = clock.to_local(clock.now_utc())
    signed = signature([r.hash for r in records], head, title)
    rows = [[f"{clock.to_local(r.at):%d-%m-%Y %H:%M:%S}", action_label(r.action), r.username or "",
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
    return _with_signature(pdf, manifest([r.hash for r in records], head, title), signed), \
        signed


def _with_signature(pdf: bytes, message: str, signed: str) -> bytes:
    """The PDF with the signed content and the signature in its document information,
    where ``casus audit-verify-pdf`` reads them back."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.add_metadata({MANIFEST_KEY: message, SIGNATURE_KEY: signed})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
