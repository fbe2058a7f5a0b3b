"""Fill a migrated, initialised database with synthetic data at city scale.

    .venv/bin/flask --app casusregie.app db upgrade
    .venv/bin/flask --app casusregie.app casus init
    .venv/bin/python -m benchmarks.generate --cases 100000 [--seed 8]

Proportions per 100,000 cases: 300,000 subjects, 1,000,000 interventions, 100
organisations, 3,000 users — every phase and risk group, long and short cases, case
conferences with agenda items, decisions, admissions, action plans, and interventions of
every plugin type whose table exists. The same seed gives the same data.

Rows are written with the database driver directly (PostgreSQL ``COPY``, SQLite
``executemany`` in one transaction): the ORM, and with it the access guard, is bypassed
on purpose, as for any system job. Every user gets the same precomputed password hash
(the demo password), so logging in as any generated user works.

A few fixed accounts make the benchmark scenarios reproducible:
``bench-coordinator`` (Coördinator), ``bench-director`` (Casusregisseur, directs many
cases), ``bench-core`` (Kernpartner) and ``bench-partner`` (Ketenpartner of the
external organisation with the most admissions).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from casusregie.app.name_search import surname_key
from casusregie.app.text import normalise_name

PER_100K = {"subjects": 300_000, "interventions": 1_000_000, "organisations": 100,
            "users": 3_000}

#: Cases with exactly this many interventions, for the case page and dossier scenarios.
SPECIAL_INTERVENTION_COUNTS = (1000, 100, 10)

FIRST_NAMES = (
    "Mohamed", "Yassin", "Noah", "Sem", "Lucas", "Daan", "Levi", "Adam", "Ayoub", "Bilal",
    "Emma", "Julia", "Fatima", "Sara", "Nour", "Lina", "Mila", "Zoë", "Aisha", "Hanna",
    "Youssef", "Omar", "Ibrahim", "Milan", "Finn", "Luuk", "Jesse", "Thijs", "Ravi", "Kevin",
    "Sophie", "Anna", "Eva", "Lotte", "Sanne", "Amira", "Ilham", "Meryem", "Dilan", "Zeynep",
    "Jan", "Piet", "Kees", "Willem", "Hendrik", "Ahmet", "Mehmet", "Emre", "Kerem", "Can",
)
LAST_NAMES = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
    "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
    "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "El Amrani", "Bouzid", "El Idrissi",
    "Benali", "Ouali", "Yilmaz", "Kaya", "Demir", "Çelik", "Şahin", "Öztürk", "Aydın",
    "Haddou", "Ait Taleb", "Boukhari", "Ramdin", "Sewdien", "Mahabier", "Nguyen", "Tran",
    "Kowalski", "Nowak", "Ødegård", "Müller", "Schmidt", "Rossi", "García", "Dubois",
    "Al-Hassan", "Abdi",
)
MUNICIPALITIES = ("Amsterdam", "Zaanstad", "Amstelveen", "Diemen", "Haarlemmermeer",
                  "Purmerend", "Almere", "Ouder-Amstel")
INTERVENTION_NAMES = (
    "Meldplicht", "Gebiedsverbod", "Contactverbod", "Uitreisverbod", "Paspoortmaatregel",
    "Stopzetten uitkering", "Opsporingsonderzoek", "Bijzondere voorwaarden",
    "Elektronische monitoring", "GGZ-behandeling", "Jeugdbeschermingsmaatregel",
    "Terugkeerplan per kind", "Mentortraject", "Begeleiding naar werk", "Schoolbegeleiding",
    "Gezinsondersteuning", "Schuldhulpverlening", "Huisvesting", "Exitprogramma",
    "Theologisch gesprek", "Sportbegeleiding", "Vrijwilligerswerk", "Verslavingszorg",
    "Traumabehandeling", "Opvoedondersteuning",
)
DOMAINS = ("administrative", "administrative", "administrative", "administrative",
           "administrative", "administrative", "criminal", "criminal", "criminal", "care",
           "care", "care", "social", "social", "social", "social", "social", "social",
           "social", "social", "social", "social", "care", "care", "social")
ORG_KINDS = {
    "core": ("municipality", "police", "prosecutor", "nctv"),
    "case_partner": ("child_protection", "probation"),
    "external": ("health", "youth_care", "youth_work", "welfare", "other"),
}
PHASES = (("conference", 0.08), ("monitoring", 0.32), ("closed", 0.55), ("destroyed", 0.05))
PHENOMENA = ("jihadist", "right_wing", "left_wing", "anti_government", "single_issue",
             "unclear", "other")
OTHER_OUTCOMES = ("no_action", "more_information", "criminal_track", "regular_care")
CLOSE_REASONS = ("goals_met", "goals_met", "goals_met", "moved_away", "criminal_track",
                 "left_country", "deceased", "unjustified", "other")
INTERVENTION_STATUSES = ("planned", "active", "completed", "stopped")
BATCH = 50_000


# -- writing ----------------------------------------------------------------------------

class Writer:
    """Writes rows of plain tuples through the driver: COPY on PostgreSQL."""

    def __init__(self, engine: sa.Engine, metadata: sa.MetaData) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.metadata = metadata
        self.raw = engine.raw_connection()
        if self.dialect == "postgresql":
            # The rows are consistent by construction: skip the per-row foreign-key
            # triggers while loading (allowed to superusers only; slower otherwise).
            cur = self.raw.cursor()
            try:
                cur.execute("SET session_replication_role = replica")
            except Exception:  # noqa: BLE001 - not a superuser: keep the checks
                self.raw.rollback()
            cur.close()
        self.counts: dict[str, int] = {}
        # Plugin tables may live on their plugin's own metadata.
        self.extra_tables: dict[str, sa.Table] = {}
        inspector = sa.inspect(engine)
        self.present = set(inspector.get_table_names())

    def table(self, name: str) -> sa.Table:
        if name in self.metadata.tables:
            return self.metadata.tables[name]
        return self.extra_tables[name]

    def max_id(self, name: str) -> int:
        cur = self.raw.cursor()
        cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{name}"')
        value = cur.fetchone()[0]
        cur.close()
        return int(value)

    def scalar(self, sql: str) -> Any:
        cur = self.raw.cursor()
        cur.execute(sql)
        row = cur.fetchone()
        cur.close()
        return row[0] if row else None

    def _completion(self, table: sa.Table, columns: Sequence[str]) -> tuple[list[str], tuple]:
        """Columns the generator does not know (added by later work) but must fill."""
        extra: list[str] = []
        values: list[Any] = []
        for col in table.columns:
            if col.name in columns or col.primary_key:
                continue
            default = col.default
            if default is not None and getattr(default, "is_scalar", False):
                extra.append(col.name)
                values.append(default.arg)
            elif default is not None and getattr(default, "is_callable", False):
                try:
                    value = default.arg(None)
                except TypeError:
                    value = default.arg()
                extra.append(col.name)
                values.append(value)
            elif col.nullable or col.server_default is not None:
                continue
            else:
                extra.append(col.name)
                values.append(_blank(col.type))
        return extra, tuple(values)

    def insert(self, name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        table = self.table(name)
        extra, extra_values = self._completion(table, columns)
        all_columns = [*columns, *extra]
        col_sql = ", ".join(f'"{c}"' for c in all_columns)
        count = 0
        if self.dialect == "postgresql":
            cur = self.raw.cursor()
            with cur.copy(f'COPY "{name}" ({col_sql}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row((*row, *extra_values))
                    count += 1
            cur.close()
        else:
            converters = [_sqlite_converter(table.columns[c].type) for c in all_columns]
            sql = f'INSERT INTO "{name}" ({col_sql}) VALUES ({", ".join("?" * len(all_columns))})'
            cur = self.raw.cursor()
            batch: list[tuple] = []
            for row in rows:
                batch.append(tuple(conv(v) for conv, v in
                                   zip(converters, (*row, *extra_values), strict=True)))
                if len(batch) >= BATCH:
                    cur.executemany(sql, batch)
                    count += len(batch)
                    batch.clear()
            if batch:
                cur.executemany(sql, batch)
                count += len(batch)
            cur.close()
        self.counts[name] = self.counts.get(name, 0) + count

    def finish(self) -> None:
        if self.dialect == "postgresql":
            cur = self.raw.cursor()
            for name in self.counts:
                if "id" in self.table(name).columns:
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                        f'(SELECT COALESCE(MAX(id), 1) FROM "{name}"))')
            cur.close()
        self.raw.commit()
        self.raw.close()
        # Fresh statistics, or the planner guesses (and on PostgreSQL JIT-compiles)
        # every query of the first pages. On PostgreSQL also VACUUM: freshly copied
        # tables have no visibility map, so no count or list can use an index-only scan
        # until autovacuum gets to them — a live database is long past that point.
        statement = "VACUUM ANALYZE" if self.dialect == "postgresql" else "ANALYZE"
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(statement)


def _blank(type_: sa.types.TypeEngine) -> Any:
    if isinstance(type_, sa.Boolean):
        return False
    if isinstance(type_, sa.Integer | sa.Numeric):
        return 0
    if isinstance(type_, sa.DateTime):
        return dt.datetime(2026, 1, 1)
    if isinstance(type_, sa.Date):
        return dt.date(2026, 1, 1)
    if isinstance(type_, sa.Enum) and type_.enums:
        return type_.enums[0]
    return ""


def _sqlite_converter(type_: sa.types.TypeEngine):
    # The formats SQLAlchemy itself writes, so the ORM reads the rows back unchanged.
    if isinstance(type_, sa.DateTime):
        return lambda v: v.strftime("%Y-%m-%d %H:%M:%S.%f") if v is not None else None
    if isinstance(type_, sa.Date):
        return lambda v: v.isoformat() if v is not None else None
    if isinstance(type_, sa.Boolean):
        return lambda v: None if v is None else int(bool(v))
    return lambda v: v


# -- the data ---------------------------------------------------------------------------

@dataclass
class CaseRow:
    id: int
    phase: str
    opened: dt.datetime
    closed: dt.datetime | None
    director_id: int | None
    team: list[int]
    n_interventions: int
    subjects: list[int] = field(default_factory=list)
    goals: list[int] = field(default_factory=list)


@dataclass
class Plan:
    cases: int
    subjects: int
    interventions: int
    organisations: int
    users: int

    @classmethod
    def for_cases(cls, cases: int) -> Plan:
        scale = cases / 100_000
        return cls(
            cases=cases,
            subjects=max(cases * 2, round(PER_100K["subjects"] * scale)),
            interventions=round(PER_100K["interventions"] * scale),
            organisations=max(12, round(PER_100K["organisations"] * scale)),
            users=max(40, round(PER_100K["users"] * scale)),
        )


class Generator:
    def __init__(self, writer: Writer, plan: Plan, seed: int, password_hash: str,
                 today: dt.date) -> None:
        self.w = writer
        self.plan = plan
        self.rng = random.Random(seed)
        self.password_hash = password_hash
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(12, 0))

    # Each step writes one area and keeps the ids later steps need.
    def run(self) -> dict[str, int]:
        steps = (self.organisations, self.users, self.catalogue, self.cases, self.subjects,
                 self.signals, self.conferences, self.plans, self.interventions,
                 self.admissions_and_notes)
        for step in steps:
            started = time.perf_counter()
            step()
            print(f"  {step.__name__:<22} {time.perf_counter() - started:6.1f} s",
                  file=sys.stderr)
        self.w.finish()
        return dict(self.w.counts)

    def organisations(self) -> None:
        n = self.plan.organisations
        tiers = ["core"] * max(4, n // 10) + ["case_partner"] * max(2, n // 5)
        tiers += ["external"] * (n - len(tiers))
        base = self.w.max_id("organisation")
        rows = []
        self.orgs: dict[str, list[int]] = {"core": [], "case_partner": [], "external": []}
        for i, tier in enumerate(tiers, start=1):
            kinds = ORG_KINDS[tier]
            kind = kinds[i % len(kinds)]
            org_id = base + i
            rows.append((org_id, f"{kind.replace('_', ' ').title()} {i:03d}", tier, kind, True))
            self.orgs[tier].append(org_id)
        self.w.insert("organisation", ("id", "name", "tier", "kind", "active"), rows)
        self.partner_orgs = self.orgs["case_partner"] + self.orgs["external"]

    def users(self) -> None:
        roles = dict(_rows(self.w, "SELECT name, id FROM ab_role"))
        missing = {"Coördinator", "Casusregisseur", "Kernpartner", "Ketenpartner"} - set(roles)
        if missing:
            raise SystemExit(f"Roles missing ({', '.join(sorted(missing))}): run "
                             "`flask --app casusregie.app casus init` first.")
        base = self.w.max_id("ab_user")
        n = self.plan.users
        core, partners = self.orgs["core"], self.partner_orgs
        user_rows, role_rows = [], []
        self.coordinators: list[int] = []
        self.directors: list[int] = []
        self.org_users: dict[int, list[int]] = {}
        fixed = {1: ("bench-coordinator", "Coördinator", core[0]),
                 2: ("bench-director", "Casusregisseur", core[0]),
                 3: ("bench-core", "Kernpartner", core[1]),
                 4: ("bench-partner", "Ketenpartner", self.orgs["external"][0])}
        for i in range(1, n + 1):
            uid = base + i
            if i in fixed:
                username, role, org = fixed[i]
            else:
                share = self.rng.random()
                role, org = (("Coördinator", core[0]) if share < 0.03 else
                             ("Casusregisseur", self.rng.choice(core + partners)) if share < 0.15
                             else ("Kernpartner", self.rng.choice(core)) if share < 0.35
                             else ("Ketenpartner", self.rng.choice(partners)) if share < 0.98
                             else ("Privacy officer", core[0]))
                username = f"user{i:05d}"
            if role == "Coördinator":
                self.coordinators.append(uid)
            if role == "Casusregisseur":
                self.directors.append(uid)
            self.org_users.setdefault(org, []).append(uid)
            first = self.rng.choice(FIRST_NAMES)
            last = self.rng.choice(LAST_NAMES)
            user_rows.append((uid, first, last, username, self.password_hash, True,
                              f"{username}@bench.casusregie.example", self.now, self.now, 0,
                              0, org))
            if role in roles:
                role_rows.append((uid, roles[role]))
        self.w.insert("ab_user", ("id", "first_name", "last_name", "username", "password",
                                  "active", "email", "created_on", "changed_on",
                                  "login_count", "fail_login_count", "organisation_id"),
                      user_rows)
        role_base = self.w.max_id("ab_user_role")
        self.w.insert("ab_user_role", ("id", "user_id", "role_id"),
                      [(role_base + i, u, r) for i, (u, r) in enumerate(role_rows, start=1)])
        self.bench_director = base + 2

    def catalogue(self) -> None:
        base = self.w.max_id("intervention_type")
        rows = []
        self.types: list[tuple[int, str]] = []  # (type id, plugin kind)
        for i, (name, domain) in enumerate(zip(INTERVENTION_NAMES, DOMAINS, strict=True),
                                           start=1):
            org = self.rng.choice(self.orgs["core"] if domain in ("administrative",
                                                                  "criminal")
                                  else self.partner_orgs)
            rows.append((base + i, name, domain, org, "", True))
            self.types.append((base + i, ""))
        self.plugin_kinds = _plugin_kinds(self.w)
        for j, (kind, _table) in enumerate(self.plugin_kinds, start=len(rows) + 1):
            rows.append((base + j, f"{kind} (plugin)", "social", None, kind, True))
            self.types.append((base + j, kind))
        self.w.insert("intervention_type",
                      ("id", "name", "domain", "organisation_id", "kind", "active"), rows)

    def cases(self) -> None:
        rng = self.rng
        n = self.plan.cases
        base = self.w.max_id("case")
        self.case_base = base
        risk_groups = [r for (r,) in _rows(self.w, "SELECT id FROM risk_group ORDER BY number")]
        if not risk_groups:
            raise SystemExit("No risk groups: run `flask --app casusregie.app casus init` first.")
        # Interventions per case: most cases are short, a few run for years.
        remaining = self.plan.interventions - sum(SPECIAL_INTERVENTION_COUNTS)
        weights = [rng.expovariate(1.0) for _ in range(n)]
        self.cases_: list[CaseRow] = []
        phases, cumulative = [], 0.0
        for phase, share in PHASES:
            cumulative += share
            phases.append((cumulative, phase))
        start = self.now - dt.timedelta(days=365 * 8)
        span = (self.now - start).total_seconds()
        for i in range(n):
            draw = rng.random()
            phase = next(p for c, p in phases if draw <= c)
            # Closed and destroyed cases lie in the past; open ones are more recent.
            if phase == "destroyed":
                opened = start + dt.timedelta(seconds=rng.random() * span * 0.2)
            elif phase == "closed":
                opened = start + dt.timedelta(seconds=rng.random() * span * 0.85)
            else:
                opened = self.now - dt.timedelta(days=rng.random() * 365 * 3)
            closed = None
            if phase in ("closed", "destroyed"):
                closed = min(self.now - dt.timedelta(days=1),
                             opened + dt.timedelta(days=rng.randint(60, 1100)))
            team = rng.sample(self.partner_orgs, k=rng.randint(1, 3))
            director = (self.bench_director if rng.random() < 0.05
                        else rng.choice(self.directors)) if phase != "destroyed" else None
            self.cases_.append(CaseRow(base + i + 1, phase, opened, closed, director, team, 0))
        self.cases_.sort(key=lambda c: c.opened)
        for i, case in enumerate(self.cases_):
            case.id = base + i + 1
        live = [c for c in self.cases_ if c.phase != "destroyed"]
        total_weight = sum(weights[: len(live)]) or 1.0
        for case, weight in zip(live, weights, strict=False):
            case.n_interventions = min(400, int(weight / total_weight * remaining))
        # The scenario cases: open, directed by the bench director, a fixed size each.
        specials = [c for c in live if c.phase == "monitoring"][: len(SPECIAL_INTERVENTION_COUNTS)]
        for case, count in zip(specials, SPECIAL_INTERVENTION_COUNTS, strict=False):
            case.n_interventions = count
            case.director_id = self.bench_director
        # Case numbers by year of opening, in order.
        per_year: dict[int, int] = {}
        rows = []
        for case in self.cases_:
            year = case.opened.year
            per_year[year] = per_year.get(year, 0) + 1
            seq = per_year[year]
            review = ((case.opened + dt.timedelta(days=rng.randint(30, 180))).date()
                      if case.phase in ("conference", "monitoring") else None)
            if review is not None and review < self.today:
                review = self.today + dt.timedelta(days=rng.randint(0, 120))
            retention = ((case.closed + dt.timedelta(days=5 * 365)).date()
                         if case.closed else None)
            summary = (None if case.phase == "destroyed" else
                       f"Zorgen over {rng.choice(PHENOMENA).replace('_', ' ')} "
                       f"gedachtegoed; casus {year}-{seq}.")
            rows.append((case.id, f"CR-{year}-{seq:05d}", year, seq, case.phase,
                         rng.randint(1, 3), rng.choice(risk_groups),
                         rng.choice(self.orgs["core"]), case.director_id, summary, review,
                         case.opened, case.closed,
                         rng.choice(CLOSE_REASONS) if case.closed else None, retention,
                         rng.random() < 0.01, 1, case.closed or case.opened))
        self.w.insert("case", ("id", "number", "year", "sequence", "phase",
                               "escalation_level", "risk_group_id", "lead_organisation_id",
                               "case_director_id", "summary", "review_date", "opened_at",
                               "closed_at", "close_reason", "retention_until", "legal_hold",
                               "version", "updated_at"), rows)
        existing = dict(_rows(self.w, "SELECT year, last_value FROM case_number_counter"))
        self.w.insert("case_number_counter", ("year", "last_value"),
                      [(y, v) for y, v in sorted(per_year.items()) if y not in existing])
        self.specials = {count: case.id for case, count
                         in zip(specials, SPECIAL_INTERVENTION_COUNTS, strict=False)}

    def subjects(self) -> None:
        rng = self.rng
        base = self.w.max_id("subject")
        next_id = base
        subject_rows, link_rows, relation_rows = [], [], []

        def new_subject(kind: str = "person") -> int:
            nonlocal next_id
            next_id += 1
            if kind == "group":
                first, last = None, f"Groep {rng.choice(MUNICIPALITIES)} {next_id}"
            else:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            full = " ".join(p for p in (first, last) if p)
            born = (dt.date(1960, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 50))
                    if kind == "person" else None)
            subject_rows.append((next_id, kind, first, last, normalise_name(full),
                                 surname_key(last), born,
                                 f"{rng.randint(10**8, 10**9 - 1)}" if rng.random() < 0.6
                                 else None, rng.choice(MUNICIPALITIES), self.now))
            return next_id

        for case in self.cases_:
            if case.phase == "destroyed":
                continue
            kind = "group" if rng.random() < 0.03 else "person"
            case.subjects.append(new_subject(kind))
            link_rows.append((case.id, case.subjects[0], True))
            if rng.random() < 0.25:
                second = new_subject()
                case.subjects.append(second)
                link_rows.append((case.id, second, False))
        # Reporters' subjects of signals that never became a case.
        self.loose_subjects = [new_subject() for _ in range(self.plan.cases // 2)]
        # Family and network ties make up the rest.
        primaries = [c.subjects[0] for c in self.cases_ if c.subjects]
        rel_base = self.w.max_id("subject_relation")
        kinds = ("parent", "child", "sibling", "partner", "contact")
        while next_id - base < self.plan.subjects and primaries:
            related = new_subject()
            relation_rows.append((rel_base + len(relation_rows) + 1, rng.choice(primaries),
                                  related, rng.choice(kinds), None))
        self.w.insert("subject", ("id", "kind", "first_name", "last_name", "name_key",
                                  "surname_key", "date_of_birth", "bsn", "municipality",
                                  "created_at"),
                      subject_rows)
        self.w.insert("case_subject", ("case_id", "subject_id", "primary"), link_rows)
        self.w.insert("subject_relation", ("id", "subject_id", "related_id", "kind", "note"),
                      relation_rows)

    def signals(self) -> None:
        rng = self.rng
        sig_base = self.w.max_id("signal")
        wei_base = self.w.max_id("weighing")
        dec_base = self.w.max_id("decision")
        risk_groups = [r for (r,) in _rows(self.w, "SELECT id FROM risk_group")]
        signals, weighings, decisions, decision_orgs = [], [], [], []
        self.decision_rows = decisions
        self.decision_next = dec_base
        coordinator = self.coordinators[0]

        def add_signal(received: dt.datetime, subject: int | None, case_id: int | None,
                       outcome: str | None) -> None:
            sid = sig_base + len(signals) + 1
            status = "weighed" if outcome else "received"
            signals.append((sid, received, rng.choice(("police", "youth_work", "health",
                                                       "municipality", "other")),
                            None, rng.random() < 0.1, "Zorgwekende uitlatingen.",
                            rng.choice(PHENOMENA), subject, status, case_id, coordinator,
                            (received + dt.timedelta(days=365)).date()
                            if outcome and outcome != "include" else None))
            if outcome:
                weighed = received + dt.timedelta(days=rng.randint(1, 14))
                weighings.append((wei_base + len(weighings) + 1, sid, weighed.date(),
                                  "Gemeente, politie, OM", "Weging volgens werkproces.",
                                  outcome, rng.choice(risk_groups), coordinator))
                self.decision_next += 1
                decisions.append((self.decision_next, case_id, sid, None, "weighing",
                                  "weighing_team", weighed, coordinator, "Wegingsoverleg",
                                  "Weging volgens werkproces.", None,
                                  "conference" if outcome == "include" else None))
                if outcome == "include":
                    for org in self.orgs["core"][:2]:
                        decision_orgs.append((self.decision_next, org))

        for case in self.cases_:
            add_signal(case.opened - dt.timedelta(days=rng.randint(15, 40)),
                       case.subjects[0] if case.subjects else None, case.id, "include")
        for subject in self.loose_subjects:
            received = self.now - dt.timedelta(days=rng.random() * 365 * 3)
            outcome = rng.choice(OTHER_OUTCOMES) if rng.random() < 0.9 else None
            add_signal(received, subject, None, outcome)
        self.w.insert("signal", ("id", "received_at", "reporter_kind", "reporter_name",
                                 "anonymous", "concern", "phenomenon", "subject_id", "status",
                                 "case_id", "registered_by_id", "retention_until"), signals)
        self.w.insert("weighing", ("id", "signal_id", "weighed_on", "participants", "reasons",
                                   "outcome", "risk_group_id", "recorded_by_id"), weighings)
        self.decision_orgs = decision_orgs

    def conferences(self) -> None:
        rng = self.rng
        base = self.w.max_id("case_conference")
        item_base = self.w.max_id("agenda_item")
        first = self.cases_[0].opened if self.cases_ else self.now
        weeks = max(1, int((self.now - first).days / 7) + 8)
        per_week = max(1, round(self.plan.cases / 100_000 * 12))
        conferences = []
        for week in range(weeks):
            day = first + dt.timedelta(weeks=week)
            for k in range(per_week):
                held = day.replace(hour=9 + 2 * (k % 4), minute=0, second=0, microsecond=0)
                status = "held" if held < self.now else "planned"
                conferences.append((base + len(conferences) + 1, held,
                                    f"Stadhuis, zaal {k + 1}", self.coordinators[0], status,
                                    None))
        self.w.insert("case_conference", ("id", "held_on", "location", "chair_id", "status",
                                          "notes"), conferences)
        items = []
        decisions = self.decision_rows
        coordinator = self.coordinators[0]
        for case in self.cases_:
            if case.phase == "destroyed":
                continue
            end = case.closed or self.now + dt.timedelta(days=60)
            week = max(0, (case.opened - first).days // 7)
            position = 0
            while week < weeks and first + dt.timedelta(weeks=week) <= end and position < 6:
                conf = conferences[week * per_week + rng.randrange(per_week)]
                position += 1
                item_id = item_base + len(items) + 1
                held = conf[1]
                items.append((item_id, conf[0], case.id, position,
                              "manual" if position == 1 else "review_due", held < self.now,
                              None, (held + dt.timedelta(days=90)).date()))
                if held < self.now:
                    self.decision_next += 1
                    kind = ("conference" if position == 1 else
                            rng.choice(("conference", "escalation", "de_escalation")))
                    decisions.append((self.decision_next, case.id, None, item_id, kind,
                                      "case_conference", held, coordinator,
                                      "Casusoverleg", "Besproken in het casusoverleg.",
                                      "conference" if position == 1 else "monitoring",
                                      "monitoring"))
                week += rng.randint(10, 26)
            if case.closed:
                self.decision_next += 1
                decisions.append((self.decision_next, case.id, None, None, "closure",
                                  "case_conference", case.closed, coordinator, "Casusoverleg",
                                  "Doelen bereikt of zaak overgedragen.", "monitoring",
                                  "closed"))
        self.w.insert("agenda_item", ("id", "conference_id", "case_id", "position", "source",
                                      "discussed", "notes", "next_review_date"), items)
        self.w.insert("decision", ("id", "case_id", "signal_id", "agenda_item_id", "kind",
                                   "body", "decided_at", "decided_by_id", "participants",
                                   "reasons", "from_phase", "to_phase"), decisions)
        self.w.insert("decision_organisation", ("decision_id", "organisation_id"),
                      self.decision_orgs)

    def plans(self) -> None:
        rng = self.rng
        plan_base = self.w.max_id("action_plan")
        goal_base = self.w.max_id("goal")
        ass_base = self.w.max_id("assessment")
        plans, goals, assessments = [], [], []
        for case in self.cases_:
            if case.phase in ("destroyed", "conference"):
                continue
            plan_id = plan_base + len(plans) + 1
            plans.append((plan_id, case.id, 1, case.opened + dt.timedelta(days=30), True,
                          "Plan van aanpak"))
            for position in range(1, rng.randint(2, 4) + 1):
                goal_id = goal_base + len(goals) + 1
                goals.append((goal_id, plan_id, position,
                              rng.choice(("Heeft een stabiele woonplek",
                                          "Gaat naar school of werk",
                                          "Heeft een positief netwerk",
                                          "Neemt afstand van extremistische contacten")),
                              rng.choice(case.team), "open"))
                case.goals.append(goal_id)
            assessments.append((ass_base + len(assessments) + 1, case.id,
                                (case.opened + dt.timedelta(days=20)).date(),
                                "Risicofactoren", "Beschermende factoren", "Wonen, werk",
                                case.director_id))
        self.w.insert("action_plan", ("id", "case_id", "version_number", "created_at",
                                      "current", "description"), plans)
        self.w.insert("goal", ("id", "action_plan_id", "position", "description",
                               "organisation_id", "status"), goals)
        self.w.insert("assessment", ("id", "case_id", "assessed_on", "risk_factors",
                                     "protective_factors", "life_domains", "author_id"),
                      assessments)

    def interventions(self) -> None:
        rng = self.rng
        base = self.w.max_id("intervention")
        core_types = [t for t in self.types if not t[1]]
        plugin_rows: dict[str, list[int]] = {kind: [] for kind, _ in self.plugin_kinds}
        plugin_types = [t for t in self.types if t[1]]
        next_id = base

        def rows() -> Iterable[tuple]:
            nonlocal next_id
            for case in self.cases_:
                orgs = case.team + self.orgs["core"][:2]
                end_of_case = case.closed or self.now
                days = max(1, (end_of_case - case.opened).days)
                for _ in range(case.n_interventions):
                    next_id += 1
                    if plugin_types and rng.random() < 0.1:
                        type_id, kind = rng.choice(plugin_types)
                        plugin_rows[kind].append(next_id)
                    else:
                        type_id, kind = rng.choice(core_types)
                    started = case.opened + dt.timedelta(days=rng.randrange(days))
                    status = ("completed" if case.closed else
                              rng.choice(INTERVENTION_STATUSES))
                    ended = (started + dt.timedelta(days=rng.randint(14, 365))).date() \
                        if status in ("completed", "stopped") else None
                    yield (next_id, kind, case.id, type_id, rng.choice(orgs),
                           rng.choice(case.goals) if case.goals and rng.random() < 0.7
                           else None, status, started.date(), ended,
                           "Afgerond volgens plan." if status == "completed" else None,
                           started, started, 1)

        self.w.insert("intervention", ("id", "kind", "case_id", "type_id", "organisation_id",
                                       "goal_id", "status", "start_date", "end_date",
                                       "outcome", "created_at", "updated_at", "version"),
                      rows())
        for kind, table in self.plugin_kinds:
            self.w.insert(table, ("id",), ((i,) for i in plugin_rows[kind]))

    def admissions_and_notes(self) -> None:
        rng = self.rng
        adm_base = self.w.max_id("case_admission")
        note_base = self.w.max_id("case_note")
        admissions, notes = [], []
        coordinator = self.coordinators[0]
        for case in self.cases_:
            if case.phase == "destroyed":
                continue
            ends = (case.closed or self.now + dt.timedelta(days=365)).date()
            for org in case.team:
                admissions.append((adm_base + len(admissions) + 1, case.id, org,
                                   "Uitvoeren van interventies uit het plan van aanpak",
                                   "Convenant persoonsgerichte aanpak", case.opened.date(),
                                   ends, coordinator, case.opened))
            author = case.director_id or coordinator
            notes.append((note_base + len(notes) + 1, case.id, author, None,
                          case.opened + dt.timedelta(days=rng.randint(1, 30)),
                          "Eerste gesprek gevoerd."))
        self.w.insert("case_admission", ("id", "case_id", "organisation_id", "purpose",
                                         "legal_basis", "starts_on", "ends_on",
                                         "granted_by_id", "granted_at"), admissions)
        self.w.insert("case_note", ("id", "case_id", "author_id", "organisation_id",
                                    "created_at", "text"), notes)


def _rows(writer: Writer, sql: str) -> list[tuple]:
    cur = writer.raw.cursor()
    cur.execute(sql)
    rows = [tuple(r) for r in cur.fetchall()]
    cur.close()
    return rows


def _plugin_kinds(writer: Writer) -> list[tuple[str, str]]:
    """(polymorphic identity, table) of every intervention subtype whose table exists."""
    from casusregie.app.models import Intervention

    found = []
    for identity, mapper in Intervention.__mapper__.polymorphic_map.items():
        table = mapper.local_table
        if not identity or table is Intervention.__table__:
            continue
        if table.name in writer.present:
            writer.extra_tables[table.name] = table
            found.append((identity, table.name))
    return sorted(found)


def generate(engine: sa.Engine, cases: int, seed: int = 8, *,
             password: str) -> dict[str, int]:
    """Write ``cases`` cases and everything around them; returns rows written per table."""
    from flask_appbuilder import Model
    from werkzeug.security import generate_password_hash

    import casusregie.app.models  # noqa: F401  (registers every core table on the metadata)
    from casusregie.app.access import system_access

    writer = Writer(engine, Model.metadata)
    existing = writer.scalar('SELECT COUNT(*) FROM "case"')
    if existing:
        raise SystemExit(f"The database already holds {existing} cases; generate into an "
                         "empty (migrated and initialised) database.")
    with system_access("benchmark data generator"):
        # One hash for every account: hashing 3,000 passwords would take minutes.
        hashed = generate_password_hash(password)
        generator = Generator(writer, Plan.for_cases(cases), seed, hashed,
                              today=dt.date(2026, 11, 1))
        written = generator.run()
    # The rows went in past the ORM: the dashboard's kept counts are counted afresh.
    from casusregie.app.management import summary

    with engine.begin() as connection:
        written["figure_count"] = summary.rebuild(connection)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)

    from casusregie.config import build_config

    config = build_config()
    url = config["SQLALCHEMY_DATABASE_URI"]
    try:
        # Building the app imports the enabled plugins' models, so their tables get rows.
        from casusregie.app import create_app

        create_app()
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the core data still serves
        print(f"(app not loadable, plugin interventions skipped: {exc})", file=sys.stderr)
    engine = sa.create_engine(url)
    started = time.perf_counter()
    counts = generate(engine, args.cases, args.seed, password=config["CASUS_DEMO_PASSWORD"])
    engine.dispose()
    elapsed = time.perf_counter() - started
    for table, count in sorted(counts.items()):
        print(f"{table:<24} {count:>10,}")
    print(f"{sum(counts.values()):,} rows in {elapsed:.1f} s "
          f"({sa.engine.make_url(url).get_backend_name()}, seed {args.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
