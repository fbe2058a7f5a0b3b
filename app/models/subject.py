"""Subjects (persons or groups) a case is about, and the ties between them."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from casusregie.app.models.base import RelationKind, SubjectKind, enum_column, utcnow
from casusregie.app.models.tracking import Authored, Versioned
from casusregie.app.name_search import surname_key as _surname_key
from casusregie.app.text import normalise_name

group_member = sa.Table(
    "subject_group_member",
    Model.metadata,
    sa.Column("group_id", sa.Integer, sa.ForeignKey("subject.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("member_id", sa.Integer, sa.ForeignKey("subject.id", ondelete="CASCADE"),
              primary_key=True),
)


def _byte_ordered(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def full_name_of(first_name: str | None, last_name: str | None) -> str:
    """A subject's name as shown everywhere; exports compute it from plain values."""
    return " ".join(p for p in (first_name, last_name) if p)


class Subject(Versioned, Authored, Model):
    __tablename__ = "subject"
    __table_args__ = (
        # The name search matches a prefix of either key (app/name_search.py). On
        # PostgreSQL only a pattern_ops B-tree serves ``LIKE 'prefix%'`` whatever the
        # collation; it serves the duplicate check's equality too. The surname key's
        # index is ix_subject_surname_order (app/models/indexes.py).
        sa.Index("ix_subject_name_key", "name_key",
                 postgresql_ops={"name_key": "varchar_pattern_ops"}),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    kind = enum_column(SubjectKind, nullable=False, default=SubjectKind.person)
    first_name = sa.Column(sa.String(100))
    last_name = sa.Column(sa.String(150), nullable=False)
    # Diacritics-, case- and punctuation-free form of the full name, for the duplicate
    # check and the name search; the last name without particles, for the name search.
    # Compared byte by byte (collation "C" on PostgreSQL, SQLite's own): the keys hold
    # only lower-case letters and digits, so this is the alphabetical order, and a plain
    # index serves both a prefix LIKE and the name search's order (surname key first).
    name_key = sa.Column(_byte_ordered(260), nullable=False, default="")
    surname_key = sa.Column(_byte_ordered(150), nullable=False, default="",
                            server_default="")
    date_of_birth = sa.Column(sa.Date, index=True)
    bsn = sa.Column(sa.String(9))
    municipality = sa.Column(sa.String(100))
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    members = relationship(
        "Subject",
        secondary=group_member,
        primaryjoin=id == group_member.c.group_id,
        secondaryjoin=id == group_member.c.member_id,
        backref="groups",
    )

    @property
    def full_name(self) -> str:
        return full_name_of(self.first_name, self.last_name)

    def refresh_name_key(self) -> None:
        self.name_key = normalise_name(self.full_name)
        self.surname_key = _surname_key(self.last_name)

    def __repr__(self) -> str:
        return self.full_name


@sa.event.listens_for(Subject, "before_insert")
@sa.event.listens_for(Subject, "before_update")
def _keep_name_key(_mapper, _connection, target: Subject) -> None:
    target.refresh_name_key()


class SubjectRelation(Versioned, Authored, Model):
    """A family or network tie: ``subject`` is the ``kind`` of ``related``."""

    __tablename__ = "subject_relation"
    __table_args__ = (sa.UniqueConstraint("subject_id", "related_id", "kind"),)

    id = sa.Column(sa.Integer, primary_key=True)
    subject_id = sa.Column(sa.Integer, sa.ForeignKey("subject.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    related_id = sa.Column(sa.Integer, sa.ForeignKey("subject.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    kind = enum_column(RelationKind, nullable=False)
    note = sa.Column(sa.String(500))

    subject = relationship(Subject, foreign_keys=[subject_id], backref="relations")
    related = relationship(Subject, foreign_keys=[related_id])

    def __repr__(self) -> str:
        return f"{self.subject} – {self.kind} – {self.related}"
