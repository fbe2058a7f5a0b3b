"""Subjects (persons and groups): the duplicate check and registering a new one.

The write path for a new subject, whichever screen starts it (the subject form, the
signal form). The duplicate check looks for the same person under another spelling:

- the same full name once normalised (``app.text.normalise_name``: case, diacritics,
  punctuation and transliteration variants such as Mohammed/Mohamed fold together), or
- the same last name without its particles (``app.name_search.surname_key``: ``El
  Amrani``, ``el-Amrani`` and ``Amrani`` are one) with the same first word of the
  first name,

whatever the date of birth: a different or missing date of birth is often a typing or
reporting difference, so such matches are shown too, those with the same date first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from casusregie.app.extensions import db
from casusregie.app.labels import enum_label
from casusregie.app.models import Case, CaseSubject, CasusUser, Subject, SubjectKind
from casusregie.app.name_search import surname_key
from casusregie.app.services import service
from casusregie.app.text import normalise_name
from casusregie.app.validation import check_birth_date
from casusregie.app.workflow import WorkflowError

#: At most this many possible matches are shown.
MATCH_LIMIT = 20


@dataclass(frozen=True)
class PossibleDuplicate:
    subject: Subject
    cases: list[tuple[str, str, int]]  # (number, phase label, case id)


def _same_person_criteria(first_name: str | None, last_name: str | None) -> list[sa.ColumnElement]:
    key = normalise_name(" ".join(p for p in (first_name, last_name) if p))
    criteria: list[sa.ColumnElement] = [Subject.name_key == key] if key else []
    surname = surname_key(last_name)
    first_words = normalise_name(first_name or "").split()
    if surname and first_words:
        # Both served by the indexes on the name keys (app/models/subject.py).
        criteria.append(sa.and_(Subject.surname_key == surname,
                                Subject.name_key.startswith(first_words[0] + " ",
                                                            autoescape=True)))
    return criteria


def find_possible_duplicates(first_name: str | None, last_name: str | None,
                             date_of_birth: dt.date | None) -> list[PossibleDuplicate]:
    """Subjects that may be this person, in any case phase (see the module docstring)."""
    criteria = _same_person_criteria(first_name, last_name)
    if not criteria:
        return []
    same_birth = sa.case((Subject.date_of_birth == date_of_birth, 0), else_=1) \
        if date_of_birth is not None else sa.literal(0)
    subjects = (db.session.query(Subject).filter(sa.or_(*criteria))
                .order_by(same_birth, Subject.id).limit(MATCH_LIMIT).all())
    if not subjects:
        return []
    rows = (db.session.query(CaseSubject.subject_id, Case.number, Case.phase, Case.id)
            .join(Case, Case.id == CaseSubject.case_id)
            .filter(CaseSubject.subject_id.in_([s.id for s in subjects]))
            .order_by(Case.number).all())
    cases: dict[int, list[tuple[str, str, int]]] = {}
    for subject_id, number, phase, case_id in rows:
        cases.setdefault(subject_id, []).append((number, enum_label(phase), case_id))
    return [PossibleDuplicate(s, cases.get(s.id, [])) for s in subjects]


@service
def register_subject(user: CasusUser, *, kind: SubjectKind, last_name: str | None,
                     first_name: str | None = None, date_of_birth: dt.date | None = None,
                     municipality: str | None = None) -> Subject:
    """A new person or group; the caller has shown the duplicate check first."""
    last_name = (last_name or "").strip()
    if not last_name:
        field = "last_name"
        raise WorkflowError(_l("Give the last name of the person, or the name of the group."),
                            field)
    message = check_birth_date(date_of_birth)
    if message:
        raise WorkflowError(message, "date_of_birth")
    subject = Subject(kind=kind, last_name=last_name,
                      first_name=(first_name or "").strip() or None,
                      date_of_birth=date_of_birth if kind == SubjectKind.person else None,
                      municipality=(municipality or "").strip() or None)
    db.session.add(subject)
    db.session.flush()
    return subject
