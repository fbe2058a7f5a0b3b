"""Clearly fictitious demo data and demo users (``flask casus seed-demo``).

Every name, date and story here is invented. The demo covers every phase and
risk group, a family (risk group 5 linked to a returnee), a group case and a
closed case, so that each screen has something to show.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app

from casusregie.app import clock
from casusregie.app.extensions import db
from casusregie.app.models import (
    ActionPlan,
    AgendaItem,
    AgendaSource,
    Assessment,
    Case,
    CaseAdmission,
    CaseConference,
    CaseNote,
    CasePhase,
    CaseSubject,
    CasusUser,
    CloseReason,
    ConferenceStatus,
    Decision,
    DecisionBody,
    DecisionKind,
    Goal,
    Intervention,
    InterventionDomain,
    InterventionStatus,
    InterventionType,
    Organisation,
    OrganisationKind,
    OrganisationTier,
    Phenomenon,
    RelationKind,
    RiskGroup,
    Signal,
    SignalStatus,
    Subject,
    SubjectKind,
    SubjectRelation,
    Weighing,
    WeighingOutcome,
)
from casusregie.app.numbering import draw_case_number
from casusregie.app.roles import (
    ROLE_ADMIN,
    ROLE_CASE_DIRECTOR,
    ROLE_COORDINATOR,
    ROLE_CORE_PARTNER,
    ROLE_MANAGEMENT,
    ROLE_PARTNER,
    ROLE_PRIVACY,
)

ORGANISATIONS: tuple[tuple[str, OrganisationTier, OrganisationKind], ...] = (
    ("Gemeente Amsterdam – OOV", OrganisationTier.core, OrganisationKind.municipality),
    ("Politie Eenheid Amsterdam", OrganisationTier.core, OrganisationKind.police),
    ("Openbaar Ministerie Amsterdam", OrganisationTier.core, OrganisationKind.prosecutor),
    ("NCTV", OrganisationTier.core, OrganisationKind.nctv),
    ("Raad voor de Kinderbescherming", OrganisationTier.case_partner,
     OrganisationKind.child_protection),
    ("Reclassering Nederland", OrganisationTier.case_partner, OrganisationKind.probation),
    ("GGD Amsterdam", OrganisationTier.external, OrganisationKind.health),
    ("Jeugdzorg Amsterdam", OrganisationTier.external, OrganisationKind.youth_care),
    ("Jongerenwerk Amsterdam", OrganisationTier.external, OrganisationKind.youth_work),
)

#: username → (first name, last name, role, organisation)
DEMO_USERS: dict[str, tuple[str, str, str, str]] = {
    "beheerder": ("Bea", "Beheer", ROLE_ADMIN, "Gemeente Amsterdam – OOV"),
    "coordinator": ("Coen", "de Coördinator", ROLE_COORDINATOR, "Gemeente Amsterdam – OOV"),
    "regisseur": ("Rana", "Regisseur", ROLE_CASE_DIRECTOR, "Gemeente Amsterdam – OOV"),
    "politie": ("Pieter", "Agent", ROLE_CORE_PARTNER, "Politie Eenheid Amsterdam"),
    "om": ("Olga", "Officier", ROLE_CORE_PARTNER, "Openbaar Ministerie Amsterdam"),
    "ggd": ("Gijs", "Zorgverlener", ROLE_PARTNER, "GGD Amsterdam"),
    "jongerenwerk": ("Jamal", "Jongerenwerker", ROLE_PARTNER, "Jongerenwerk Amsterdam"),
    "privacy": ("Priya", "Privacy", ROLE_PRIVACY, "Gemeente Amsterdam – OOV"),
    "management": ("Mees", "Management", ROLE_MANAGEMENT, "Gemeente Amsterdam – OOV"),
}

CATALOGUE: tuple[tuple[str, InterventionDomain, str | None], ...] = (
    ("Meldplicht", InterventionDomain.administrative, "Gemeente Amsterdam – OOV"),
    ("Gebiedsverbod", InterventionDomain.administrative, "Gemeente Amsterdam – OOV"),
    ("Contactverbod", InterventionDomain.administrative, "Gemeente Amsterdam – OOV"),
    ("Uitreisverbod", InterventionDomain.administrative, "Gemeente Amsterdam – OOV"),
    ("Paspoort vervallen verklaren", InterventionDomain.administrative,
     "Gemeente Amsterdam – OOV"),
    ("Stopzetten uitkering/toeslagen", InterventionDomain.administrative,
     "Gemeente Amsterdam – OOV"),
    ("Opsporingsonderzoek", InterventionDomain.criminal, "Openbaar Ministerie Amsterdam"),
    ("Bijzondere voorwaarden / toezicht", InterventionDomain.criminal,
     "Reclassering Nederland"),
    ("Elektronische monitoring", InterventionDomain.criminal, "Reclassering Nederland"),
    ("GGZ-behandeling", InterventionDomain.care, "GGD Amsterdam"),
    ("Jeugdbeschermingsmaatregel", InterventionDomain.care, "Raad voor de Kinderbescherming"),
    ("Terugkeerplan per kind", InterventionDomain.care, "Jeugdzorg Amsterdam"),
    ("Mentortraject", InterventionDomain.social, "Jongerenwerk Amsterdam"),
    ("Begeleiding naar werk of school", InterventionDomain.social, "Jongerenwerk Amsterdam"),
    ("Gezinsondersteuning", InterventionDomain.social, "Jeugdzorg Amsterdam"),
)

#: The catalogue's names for users who work in English.
CATALOGUE_EN = {
    "Meldplicht": "Duty to report",
    "Gebiedsverbod": "Area ban",
    "Contactverbod": "Contact ban",
    "Uitreisverbod": "Travel ban",
    "Paspoort vervallen verklaren": "Passport revocation",
    "Stopzetten uitkering/toeslagen": "Stopping benefits and allowances",
    "Opsporingsonderzoek": "Criminal investigation",
    "Bijzondere voorwaarden / toezicht": "Special conditions / supervision",
    "Elektronische monitoring": "Electronic monitoring",
    "GGZ-behandeling": "Mental health treatment",
    "Jeugdbeschermingsmaatregel": "Child protection order",
    "Terugkeerplan per kind": "Return plan per child",
    "Mentortraject": "Mentoring programme",
    "Begeleiding naar werk of school": "Guidance to work or school",
    "Gezinsondersteuning": "Family support",
}


def _local_at(day: dt.date, time: dt.time) -> dt.datetime:
    """A demo moment given in Amsterdam time, as stored (UTC)."""
    return clock.from_local_input(dt.datetime.combine(day, time))


def demo_password() -> str:
    return current_app.config["CASUS_DEMO_PASSWORD"]


def seed_organisations() -> dict[str, Organisation]:
    orgs = {o.name: o for o in db.session.query(Organisation)}
    for name, tier, kind in ORGANISATIONS:
        if name not in orgs:
            orgs[name] = Organisation(name=name, tier=tier, kind=kind, active=True)
            db.session.add(orgs[name])
    db.session.flush()
    return orgs


def seed_users(orgs: dict[str, Organisation]) -> dict[str, CasusUser]:
    sm = current_app.appbuilder.sm
    users: dict[str, CasusUser] = {}
    for username, (first, last, role_name, org_name) in DEMO_USERS.items():
        user = sm.find_user(username=username)
        if user is None:
            role = sm.find_role(role_name)
            if role is None:
                raise RuntimeError(f"Role {role_name!r} is missing: run `flask casus init` first.")
            user = sm.add_user(username, first, last, f"{username}@casusregie.example",
                               role, password=demo_password(), commit=False)
            if not user:
                raise RuntimeError(f"Could not create demo user {username!r}.")
        user.organisation = orgs[org_name]
        users[username] = user
    db.session.flush()
    return users


def seed_catalogue(orgs: dict[str, Organisation]) -> dict[str, InterventionType]:
    types = {t.name: t for t in db.session.query(InterventionType)}
    for name, domain, org_name in CATALOGUE:
        if name not in types:
            types[name] = InterventionType(name=name, name_en=CATALOGUE_EN.get(name, ""),
                                           domain=domain, active=True,
                                           organisation=orgs.get(org_name or ""))
            db.session.add(types[name])
    db.session.flush()
    return types


def _person(first: str, last: str, born: dt.date, *, bsn: str | None = None) -> Subject:
    subject = Subject(kind=SubjectKind.person, first_name=first, last_name=last,
                      date_of_birth=born, bsn=bsn, municipality="Amsterdam")
    db.session.add(subject)
    return subject


class _DemoBuilder:
    def __init__(self, orgs, users, types, today: dt.date) -> None:
        self.orgs = orgs
        self.users = users
        self.types = types
        self.today = today
        self.groups = {rg.number: rg for rg in db.session.query(RiskGroup)}
        if len(self.groups) != 5:
            raise RuntimeError("Risk groups are missing: run `flask casus init` first.")

    def org(self, short: str) -> Organisation:
        return next(o for name, o in self.orgs.items() if name.startswith(short))

    def decision(self, case: Case | None, kind: DecisionKind, body: DecisionBody,
                 reasons: str, when: dt.datetime, *, signal: Signal | None = None,
                 orgs: tuple[str, ...] = ("Gemeente", "Politie", "Openbaar"),
                 from_phase: str | None = None, to_phase: str | None = None) -> Decision:
        d = Decision(case=case, signal=signal, kind=kind, body=body, reasons=reasons,
                     decided_at=when, decided_by=self.users["coordinator"],
                     participants="Weegploeg: gemeente, politie, OM" if body ==
                     DecisionBody.weighing_team else "Casusoverleg",
                     from_phase=from_phase, to_phase=to_phase,
                     organisations=[self.org(o) for o in orgs])
        db.session.add(d)
        return d

    def case(self, *, subjects: list[Subject], risk_group: int, phenomenon: Phenomenon,
             concern: str, days_ago: int, phase: CasePhase, summary: str,
             director: str | None = "regisseur", review_in_days: int | None = 30,
             escalation_level: int = 1) -> Case:
        opened = _local_at(self.today - dt.timedelta(days=days_ago), dt.time(10, 0))
        signal = Signal(received_at=opened - dt.timedelta(days=7),
                        reporter_kind=OrganisationKind.police, concern=concern,
                        phenomenon=phenomenon, subject=subjects[0],
                        status=SignalStatus.weighed,
                        registered_by=self.users["coordinator"])
        db.session.add(signal)
        db.session.add(Weighing(signal=signal, weighed_on=opened.date(),
                                participants="Gemeente (OOV), politie, OM",
                                reasons="Zorgen over radicalisering bevestigd door "
                                        "meerdere bronnen.",
                                outcome=WeighingOutcome.include,
                                risk_group=self.groups[risk_group],
                                recorded_by=self.users["coordinator"]))
        year, seq, number = draw_case_number(db.session, opened.year)
        case = Case(number=number, year=year, sequence=seq, phase=phase,
                    risk_group=self.groups[risk_group],
                    lead_organisation=self.org("Gemeente"),
                    case_director=self.users[director] if director else None,
                    summary=summary, opened_at=opened, escalation_level=escalation_level,
                    review_date=(self.today + dt.timedelta(days=review_in_days)
                                 if review_in_days is not None else None))
        case.case_subjects = [CaseSubject(subject=s, primary=i == 0)
                              for i, s in enumerate(subjects)]
        db.session.add(case)
        signal.case = case
        self.decision(None, DecisionKind.weighing, DecisionBody.weighing_team,
                      "Signaal gewogen: opnemen in de casuïstiekaanpak.", opened,
                      signal=signal)
        self.decision(case, DecisionKind.inclusion, DecisionBody.weighing_team,
                      "Opgenomen in de aanpak; bespreken in het eerstvolgende casusoverleg.",
                      opened, to_phase=CasePhase.conference.value)
        return case

    def plan(self, case: Case, goals: list[tuple[str, str, str, InterventionStatus]]) -> None:
        plan = ActionPlan(case=case, version_number=1, current=True,
                          description="Integraal plan van aanpak.")
        db.session.add(plan)
        db.session.add(Assessment(
            case=case, assessed_on=case.opened_at.date() + dt.timedelta(days=14),
            risk_factors="Contact met extremistisch netwerk; sociaal isolement.",
            protective_factors="Betrokken familie; wil een opleiding afmaken.",
            life_domains="Wonen: stabiel. School: verzuim. Gezondheid: onrustig slapen.",
            author=self.users["regisseur"]))
        for pos, (goal_text, type_name, org_short, status) in enumerate(goals):
            goal = Goal(action_plan=plan, position=pos, description=goal_text,
                        organisation=self.org(org_short))
            db.session.add(goal)
            start = case.opened_at.date() + dt.timedelta(days=21)
            db.session.add(Intervention(
                case=case, type=self.types[type_name], organisation=self.org(org_short),
                goal=goal, status=status, start_date=start,
                end_date=(start + dt.timedelta(days=180)
                          if status in (InterventionStatus.completed,
                                        InterventionStatus.stopped) else None),
                outcome="Afgerond volgens plan." if status == InterventionStatus.completed
                else None))

    def admit(self, case: Case, org_short: str, purpose: str, days: int = 180) -> None:
        db.session.add(CaseAdmission(
            case=case, organisation=self.org(org_short), purpose=purpose,
            legal_basis="Convenant casuïstiekaanpak radicalisering, art. 5",
            starts_on=case.opened_at.date(), ends_on=self.today + dt.timedelta(days=days),
            granted_by=self.users["coordinator"]))


def seed_cases(orgs, users, types, today: dt.date | None = None) -> None:
    today = today or clock.local_today()
    b = _DemoBuilder(orgs, users, types, today)

    # Risk group 1 – a returnee, with his family (risk group 5).
    father = _person("Karim", "Benali", dt.date(1989, 3, 14), bsn="111222333")
    mother = _person("Samira", "Benali-Haddou", dt.date(1991, 7, 2))
    son = _person("Yusuf", "Benali", dt.date(2012, 11, 20))
    daughter = _person("Nora", "Benali", dt.date(2015, 5, 9))
    for child in (son, daughter):
        db.session.add(SubjectRelation(subject=father, related=child, kind=RelationKind.parent))
        db.session.add(SubjectRelation(subject=mother, related=child, kind=RelationKind.parent))
        db.session.add(SubjectRelation(subject=child, related=father, kind=RelationKind.child))
    db.session.add(SubjectRelation(subject=son, related=daughter, kind=RelationKind.sibling))
    db.session.add(SubjectRelation(subject=father, related=mother, kind=RelationKind.partner))

    returnee = b.case(subjects=[father], risk_group=1, phenomenon=Phenomenon.jihadist,
                      concern="Teruggekeerd uit conflictgebied; signalen van trauma.",
                      days_ago=400, phase=CasePhase.monitoring, escalation_level=2,
                      summary="Terugkeerder met gezin; strafrechtelijk traject afgerond, "
                              "nazorg en toezicht lopen.", review_in_days=-3)
    b.plan(returnee, [
        ("Karim houdt zich aan de bijzondere voorwaarden.", "Bijzondere voorwaarden / toezicht",
         "Reclassering", InterventionStatus.active),
        ("Karim verwerkt zijn ervaringen met professionele hulp.", "GGZ-behandeling", "GGD",
         InterventionStatus.active),
        ("Karim heeft werk of dagbesteding.", "Begeleiding naar werk of school", "Jongerenwerk",
         InterventionStatus.planned),
    ])
    b.decision(returnee, DecisionKind.escalation, DecisionBody.case_conference,
               "Contact met bekende ronselaar gemeld; toezicht verscherpt.",
               returnee.opened_at + dt.timedelta(days=120), from_phase="monitoring",
               to_phase="monitoring")
    b.admit(returnee, "GGD", "Uitvoering GGZ-behandeling")
    b.admit(returnee, "Jongerenwerk", "Begeleiding naar werk")
    b.admit(returnee, "Reclassering", "Toezicht bijzondere voorwaarden")

    family = b.case(subjects=[son, daughter, mother], risk_group=5,
                    phenomenon=Phenomenon.jihadist,
                    concern="Kinderen van een terugkeerder; zorgen over loyaliteitsconflicten.",
                    days_ago=380, phase=CasePhase.monitoring,
                    summary="Gezin van terugkeerder Benali: ondersteuning van moeder en "
                            "kinderen.", review_in_days=10)
    b.plan(family, [
        ("De kinderen gaan elke dag naar school.", "Gezinsondersteuning", "Jeugdzorg",
         InterventionStatus.active),
        ("Er is een terugkeerplan voor elk kind.", "Terugkeerplan per kind", "Jeugdzorg",
         InterventionStatus.completed),
        ("Yusuf heeft een vaste mentor.", "Mentortraject", "Jongerenwerk",
         InterventionStatus.active),
    ])
    b.admit(family, "Jongerenwerk", "Mentortraject Yusuf")
    b.admit(family, "Jeugdzorg", "Ondersteuning van het gezin")

    # Risk group 2 – a recruiter.
    recruiter = b.case(subjects=[_person("Dennis", "Verhoef", dt.date(1984, 1, 30),
                                         bsn="123456782")],
                       risk_group=2, phenomenon=Phenomenon.jihadist,
                       concern="Benadert jongeren bij een sportschool met propaganda.",
                       days_ago=90, phase=CasePhase.monitoring,
                       summary="Vermoedelijke ronselaar; bestuurlijke maatregelen lopen.",
                       director="regisseur", review_in_days=40)
    b.plan(recruiter, [
        ("Dennis heeft geen contact met de benaderde jongeren.", "Contactverbod", "Gemeente",
         InterventionStatus.active),
        ("Onderzoek naar strafbare feiten is afgerond.", "Opsporingsonderzoek", "Openbaar",
         InterventionStatus.active),
    ])

    # Risk group 3 – a prevented traveller, just included: awaiting the first conference.
    traveller = b.case(subjects=[_person("Zoë", "Ødegård", dt.date(2006, 9, 12))],
                       risk_group=3, phenomenon=Phenomenon.jihadist,
                       concern="Vliegticket naar Istanbul gekocht; vriendinnen bezorgd.",
                       days_ago=5, phase=CasePhase.conference,
                       summary="Verijdelde uitreiziger; eerste bespreking gepland.",
                       director=None, review_in_days=7)

    # Risk group 4 – a radicalising group (group case).
    members = [_person("Şükrü", "Ağca", dt.date(2004, 2, 17)),
               _person("Tim", "de Wit", dt.date(2005, 6, 1)),
               _person("Lars", "Visser", dt.date(2004, 12, 24))]
    group = Subject(kind=SubjectKind.group, last_name="Groep 'Oostpoort'",
                    municipality="Amsterdam", members=members)
    db.session.add(group)
    group_case = b.case(subjects=[group, *members], risk_group=4,
                        phenomenon=Phenomenon.right_wing,
                        concern="Groep jongeren deelt extreemrechtse memes en plant "
                                "bijeenkomsten.",
                        days_ago=200, phase=CasePhase.monitoring,
                        summary="Groep van drie jongeren met extreemrechts gedachtegoed.",
                        review_in_days=60)
    b.plan(group_case, [
        ("De jongeren nemen deel aan een weerbaarheidstraining.", "Mentortraject",
         "Jongerenwerk", InterventionStatus.active),
    ])
    b.admit(group_case, "Jongerenwerk", "Weerbaarheidstraining")

    # Risk group 4 – an individual, closed (goals met).
    arabic = _person("محمد", "العمراني", dt.date(2001, 4, 4))
    closed = b.case(subjects=[arabic], risk_group=4, phenomenon=Phenomenon.anti_government,
                    concern="Dreigende berichten richting gemeenteambtenaren.",
                    days_ago=800, phase=CasePhase.closed,
                    summary="Anti-overheidsdenken; doelen behaald, casus afgesloten.",
                    review_in_days=None)
    b.plan(closed, [("Hij uit zijn onvrede via legitieme kanalen.", "GGZ-behandeling", "GGD",
                     InterventionStatus.completed)])
    closed.closed_at = _local_at(today - dt.timedelta(days=100), dt.time(15))
    closed.close_reason = CloseReason.goals_met
    closed.retention_until = closed.closed_at.date().replace(year=closed.closed_at.year + 5)
    b.decision(closed, DecisionKind.closure, DecisionBody.case_conference,
               "Doelen behaald; geen zorgen meer.", closed.closed_at,
               from_phase="monitoring", to_phase="closed")

    # Signals still waiting for weighing (seen by core partners only).
    db.session.add(Signal(received_at=_local_at(today - dt.timedelta(days=2),
                                                          dt.time(9, 30)),
                          reporter_kind=OrganisationKind.youth_work, anonymous=False,
                          reporter_name="Jongerenwerker Noord",
                          concern="Jongere spreekt met bewondering over aanslagen.",
                          phenomenon=Phenomenon.jihadist, status=SignalStatus.received,
                          subject=_person("Mohammed", "El Amrani", dt.date(2007, 8, 15)),
                          registered_by=users["coordinator"]))
    db.session.add(Signal(received_at=_local_at(today - dt.timedelta(days=1),
                                                          dt.time(14, 0)),
                          reporter_kind=OrganisationKind.other, anonymous=True,
                          concern="Anonieme melding over een buurman die wapens zou verzamelen.",
                          phenomenon=Phenomenon.unclear, status=SignalStatus.received,
                          registered_by=users["coordinator"]))

    # A planned conference with the cases whose review is due, and a held one.
    upcoming = CaseConference(held_on=_local_at(today + dt.timedelta(days=7),
                                                          dt.time(13, 30)),
                              location="Stadhuis, kamer 3.14", chair=users["coordinator"],
                              status=ConferenceStatus.planned)
    db.session.add(upcoming)
    # The returnee's review is overdue and the traveller awaits her first conference
    # (the agenda proposal would pick both); the family was added by hand.
    for pos, (c, source) in enumerate(((returnee, AgendaSource.review_due),
                                       (traveller, AgendaSource.review_due),
                                       (family, AgendaSource.manual))):
        db.session.add(AgendaItem(conference=upcoming, case=c, position=pos, source=source))
    held = CaseConference(held_on=_local_at(today - dt.timedelta(days=60),
                                                      dt.time(13, 30)),
                          location="Stadhuis, kamer 3.14", chair=users["coordinator"],
                          status=ConferenceStatus.held)
    db.session.add(held)
    db.session.add(AgendaItem(conference=held, case=recruiter, position=0, discussed=True,
                              notes="Contactverbod opgelegd."))

    db.session.add(CaseNote(case=returnee, author=users["regisseur"],
                            organisation=b.org("Gemeente"),
                            text="Gesprek met Karim gehad; hij is gemotiveerd voor werk."))


def seed_demo() -> bool:
    """Fill an empty database; returns False (and changes nothing) if cases exist."""
    orgs = seed_organisations()
    users = seed_users(orgs)
    types = seed_catalogue(orgs)
    if db.session.query(Case.id).first() is not None:
        db.session.commit()
        return False
    seed_cases(orgs, users, types)
    db.session.commit()
    return True
