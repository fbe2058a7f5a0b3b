"""The second factor: TOTP (RFC 6238, pyotp), recovery codes, remembered devices.

Which users need it: ``CASUS_MFA_ROLES`` lists role names, ``*`` means every role.
A code is accepted once (the last used time step is stored), one step of clock drift
either way is allowed. Recovery codes are shown once and stored hashed; each works once.
A device is remembered with a signed cookie bound to the user and their enrolment,
for at most ``CASUS_MFA_REMEMBER_HOURS`` (12).
"""

from __future__ import annotations

import datetime as dt
import io
import secrets

import pyotp
import qrcode
import qrcode.image.svg
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash

from casusregie.app.auth.models import MfaRecoveryCode, UserMfa, utcnow
from casusregie.app.models.organisation import CasusUser
from casusregie.app.passwords import secret_hash

RECOVERY_CODES = 10
DEVICE_COOKIE = "casus_mfa_device"
ISSUER = "Casusregie"


def required_for(user: CasusUser) -> bool:
    wanted = current_app.config.get("CASUS_MFA_ROLES") or []
    if "*" in wanted:
        return True
    return any(role.name in wanted for role in user.roles)


def enrolment(user: CasusUser) -> UserMfa | None:
    from casusregie.app.extensions import db

    return db.session.get(UserMfa, user.id)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG, made here: no external service sees it."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


def _totp_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to (now ±1), unless used before or wrong."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(dt.datetime.now())
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_code(secret: str, code: str, last_step: int | None = None) -> int | None:
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        return None
    return _totp_step(secret, code, last_step)


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def new_recovery_codes(user: CasusUser) -> list[str]:
    """Replace the user's recovery codes; the plain codes are returned once, here."""
    from casusregie.app.extensions import db

    db.session.query(MfaRecoveryCode).filter_by(user_id=user.id).delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    for code in codes:
        db.session.add(MfaRecoveryCode(user_id=user.id,
                                       code_hash=secret_hash(_normalise(code))))
    return codes


def use_recovery_code(user: CasusUser, code: str) -> bool:
    from casusregie.app.extensions import db

    plain = _normalise(code)
    if len(plain) != 12:
        return False
    unused = db.session.query(MfaRecoveryCode).filter_by(user_id=user.id, used_at=None)
    for row in unused:
        if check_password_hash(row.code_hash, plain):
            row.used_at = utcnow()
            return True
    return False


def check_second_factor(user: CasusUser, code: str) -> str | None:
    """Accept a TOTP or a recovery code: return "totp"/"recovery", or None. Flushes."""
    from casusregie.app.extensions import db

    mfa = enrolment(user)
    if mfa is None:
        return None
    step = verify_code(mfa.secret, code, mfa.last_step)
    if step is not None:
        mfa.last_step = step
        db.session.commit()
        return "totp"
    if use_recovery_code(user, code):
        db.session.commit()
        return "recovery"
    return None


def enrol(user: CasusUser, secret: str, step: int) -> list[str]:
    from casusregie.app.extensions import db

    db.session.query(UserMfa).filter_by(user_id=user.id).delete()
    db.session.add(UserMfa(user_id=user.id, secret=secret, last_step=step))
    codes = new_recovery_codes(user)
    db.session.commit()
    return codes


def reset(user: CasusUser) -> None:
    """Remove the second factor; the user enrols again at the next login. Caller commits."""
    from casusregie.app.auth.sessions import end_all_sessions
    from casusregie.app.extensions import db

    db.session.query(UserMfa).filter_by(user_id=user.id).delete()
    db.session.query(MfaRecoveryCode).filter_by(user_id=user.id).delete()
    end_all_sessions(user)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="casus-mfa-device")


def _enrolment_mark(user: CasusUser) -> str:
    # Bound to the enrolment, not the session version: a logout keeps the device
    # remembered, a second-factor reset forgets every device.
    mfa = enrolment(user)
    return mfa.enrolled_at.isoformat() if mfa is not None else ""


def remember_device_value(user: CasusUser) -> str:
    return _serializer().dumps({"u": user.id, "e": _enrolment_mark(user)})


def device_remembered(user: CasusUser) -> bool:
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return False
    hours = min(current_app.config.get("CASUS_MFA_REMEMBER_HOURS", 12), 12)
    try:
        data = _serializer().loads(value, max_age=hours * 3600)
    except BadSignature:
        return False
    mark = _enrolment_mark(user)
    return bool(mark) and data.get("u") == user.id and data.get("e") == mark
