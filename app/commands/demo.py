"""CLI commands: demo (`flask seed-demo`), the demo programme of the Grand Est."""

from __future__ import annotations

import datetime as dt
import random
import re
import secrets
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from app import demo_data
from app.db import get_engine, new_session, utcnow
from app.models import (
    Note,
    NoteVote,
    OutboxMessage,
    PeerGroup,
    Programme,
    ProgrammeFacilitator,
    ProgrammeOrganisation,
    Registration,
    Round,
    User,
    Workshop,
)
from app.services import grouping, notes, synthesis
from app.services import registration as registration_service
from app.services.passwords import hash_password

PARIS = ZoneInfo("Europe/Paris")
# A fixed seed: the same people, organisations and registrations on every machine.
DEMO_SEED = 20261126


@dataclass(frozen=True)
class DemoAccount:
    """An account whose random password is shown once on the console."""

    label: str
    name: str
    email: str
    password: str


@dataclass(frozen=True)
class DemoSummary:
    """What the demo loaded, for the console."""

    programme: Programme
    workshops: list[Workshop]
    participant_count: int
    accounts: list[DemoAccount]


def _ascii_slug(text: str) -> str:
    """« Thiébaut » -> « thiebaut », « Da Silva » -> « da-silva » (for e-mail local parts)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def _email(first_name: str, last_name: str, domain: str) -> str:
    return f"{_ascii_slug(first_name)}.{_ascii_slug(last_name)}@{domain}"


def _random_password() -> str:
    """A fresh random password (>= 120 bits from `secrets`); never a fixed default (PW-13)."""
    return secrets.token_urlsafe(15)


def _paris_time(day: dt.date, hour: tuple[int, int]) -> dt.datetime:
    """A local Paris wall-clock time, returned in UTC as stored."""
    return dt.datetime.combine(day, dt.time(*hour), tzinfo=PARIS).astimezone(dt.UTC)


def _staff(session: Session) -> tuple[User, list[User], list[DemoAccount]]:
    """The demo administrator and the two facilitators, each with a random password."""
    accounts: list[DemoAccount] = []
    first, last, organisation, domain, territory = demo_data.ADMIN
    password = _random_password()
    admin = User(
        email=_email(first, last, domain),
        first_name=first,
        last_name=last,
        organisation=organisation,
        actor_profile="association",
        territory=territory,
        job_title="Administration de la plateforme",
        role="admin",
        password_hash=hash_password(password),
    )
    session.add(admin)
    accounts.append(DemoAccount("administration", admin.full_name, admin.email or "", password))
    facilitators: list[User] = []
    for first, last, organisation, domain, territory in demo_data.FACILITATORS:
        password = _random_password()
        user = User(
            email=_email(first, last, domain),
            first_name=first,
            last_name=last,
            organisation=organisation,
            actor_profile="local_authority" if organisation.startswith("Région") else "state_public_body",
            territory=territory,
            job_title="Animation du parcours",
            role="facilitator",
            password_hash=hash_password(password),
        )
        session.add(user)
        facilitators.append(user)
        accounts.append(DemoAccount("facilitation", user.full_name, user.email or "", password))
    return admin, facilitators, accounts


def _participants(session: Session, rng: random.Random) -> list[User]:
    """About seventy participants spread over every demo organisation (no password: invited)."""
    last_names = rng.sample(demo_data.LAST_NAMES, demo_data.PARTICIPANT_COUNT)
    organisations = list(demo_data.ORGANISATIONS)
    rng.shuffle(organisations)
    people: list[User] = []
    for index, last_name in enumerate(last_names):
        first_name = rng.choice(demo_data.FIRST_NAMES)
        organisation = organisations[index % len(organisations)]
        user = User(
            email=_email(first_name, last_name, organisation.domain),
            first_name=first_name,
            last_name=last_name,
            organisation=organisation.name,
            actor_profile=organisation.actor_profile,
            territory=organisation.territory,
            job_title=rng.choice(demo_data.JOB_TITLES[organisation.actor_profile]),
            role="participant",
            # No usable password: the person would choose one through "mot de passe oublié".
            password_hash=None,
        )
        session.add(user)
        people.append(user)
    return people


def _programme(session: Session, facilitators: list[User], today: dt.date) -> Programme:
    """The public programme, co-run by three organisations, with its facilitators attached."""
    first_day = today + dt.timedelta(days=min(w.days_from_today for w in demo_data.WORKSHOPS))
    programme = Programme(
        slug=demo_data.PROGRAMME_SLUG,
        title=demo_data.PROGRAMME_TITLE,
        description=demo_data.PROGRAMME_DESCRIPTION,
        start_date=first_day,
        end_date=today + dt.timedelta(days=120),
        visibility="public",
    )
    for position, name in enumerate(demo_data.PROGRAMME_ORGANISATIONS):
        programme.organisations.append(ProgrammeOrganisation(name=name, position=position))
    session.add(programme)
    session.flush()
    for user in facilitators:
        session.add(ProgrammeFacilitator(programme_id=programme.id, user_id=user.id))
    return programme


def _workshop(
    session: Session, programme: Programme, spec: demo_data.DemoWorkshop, today: dt.date
) -> Workshop:
    starts_at = _paris_time(today + dt.timedelta(days=spec.days_from_today), spec.start_hour)
    workshop = Workshop(
        programme_id=programme.id,
        title=spec.title,
        description=spec.description,
        format=spec.format,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=spec.duration_hours),
        place=spec.place,
        capacity=spec.capacity,
        registration_opens_at=starts_at - dt.timedelta(days=45),
        registration_closes_at=starts_at - dt.timedelta(days=2),
        attribution_mode=spec.attribution_mode,
        note_categories=list(spec.note_categories),
    )
    session.add(workshop)
    session.flush()
    return workshop


def _register_all(
    session: Session,
    rng: random.Random,
    workshop: Workshop,
    people: list[User],
    count: int,
    first: User | None,
) -> list[Registration]:
    """Register `count` people through the registration service (capacity and waitlist rules hold)."""
    others = [person for person in people if person is not first]
    chosen = ([first] if first is not None else []) + rng.sample(others, count - (first is not None))
    past = workshop.ends_at <= utcnow()
    registrations = []
    for person in chosen:
        registration = registration_service.register(session, workshop.id, person, ignore_window=past)
        if past:
            # Registered during the weeks before the workshop, not on the day the demo was loaded.
            opened = workshop.registration_opens_at or workshop.starts_at
            registration.created_at = opened + dt.timedelta(hours=rng.randint(1, 40 * 24))
        registrations.append(registration)
    return registrations


def _record_attendance(rng: random.Random, workshop: Workshop, registrations: list[Registration]) -> None:
    """The past workshop's check-in: most confirmed people present, the others absent."""
    for registration in registrations:
        if registration.status != "confirmed":
            continue
        if rng.random() < demo_data.PRESENCE_RATE:
            registration.attendance = "present"
            registration.checked_in_at = workshop.starts_at - dt.timedelta(minutes=rng.randint(0, 20))
        else:
            registration.attendance = "absent"


def load_demo(session: Session, now: dt.datetime | None = None) -> DemoSummary:
    """Create the demo programme, its three workshops, staff and participants; only flushes."""
    rng = random.Random(DEMO_SEED)
    today = (now or utcnow()).astimezone(PARIS).date()
    outbox_before = session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0

    admin, facilitators, accounts = _staff(session)
    people = _participants(session, rng)
    session.flush()
    programme = _programme(session, facilitators, today)

    demo_person = people[0]
    password = _random_password()
    demo_person.password_hash = hash_password(password)
    accounts.append(DemoAccount("participation", demo_person.full_name, demo_person.email or "", password))

    workshops: list[Workshop] = []
    for spec in demo_data.WORKSHOPS:
        workshop = _workshop(session, programme, spec, today)
        workshops.append(workshop)
        # The demo participant has a past workshop and a confirmed seat in the full one, and can
        # try registering to the open one.
        first = demo_person if spec.days_from_today < 0 or spec.registrations > spec.capacity else None
        registrations = _register_all(session, rng, workshop, people, spec.registrations, first)
        if spec.days_from_today < 0:
            _record_attendance(rng, workshop, registrations)
        elif spec.registrations < spec.capacity:
            # One person of the open workshop cancelled, as happens in real life.
            leaving = registrations[-1]
            registration_service.cancel(
                session, leaving.id, actor=leaving.user, reason="Empêchement professionnel"
            )
    session.flush()
    past = [w for w, spec in zip(workshops, demo_data.WORKSHOPS, strict=True) if spec.days_from_today < 0]
    for workshop in past:
        _publish_groups(session, workshop, admin)
        _write_notes(session, workshop, rng)
        _publish_synthesis(session, workshop, admin)
    session.refresh(programme)  # grouping expires the identity map; the summary reads the title
    # Demo data must never e-mail anyone: drop every message the registrations queued.
    session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id > outbox_before))
    return DemoSummary(programme, workshops, len(people), accounts)


def _publish_groups(session: Session, workshop: Workshop, actor: User) -> None:
    """Peer groups of a past workshop, published: they feed « already met » for the next ones."""
    settings = grouping.default_settings(workshop)
    settings.time_limit_s = 1
    job = grouping.prepare_generation(session, workshop, settings, grouping.plan_token([]))
    grouping.apply_outcome(session, workshop, job, grouping.compute(job), actor)
    grouping.assign_missing_roles(
        session, workshop, grouping.plan_token(grouping.rounds_of(session, workshop.id))
    )
    grouping.publish(
        session, workshop, None, grouping.plan_token(grouping.rounds_of(session, workshop.id)), actor
    )


def _write_notes(session: Session, workshop: Workshop, rng: random.Random) -> None:
    """The notes of a past workshop: a few per group and category, a summary, some « +1 »."""
    bank = {category: list(texts) for category, texts in demo_data.DEMO_NOTES.items()}
    groups = session.scalars(
        sa.select(PeerGroup)
        .join(Round, PeerGroup.round_id == Round.id)
        .where(Round.workshop_id == workshop.id)
        .order_by(Round.number, PeerGroup.position)
    ).all()
    for index, group in enumerate(groups):
        members = [member.user for member in group.members]
        written: list[int] = []
        for category in workshop.note_categories:
            texts = bank.get(category, [])
            for turn in range(2):
                if not texts:
                    break
                author = members[(index + turn) % len(members)]
                space = notes.space_for(session, author, group.id)
                text = texts[(index * 2 + turn) % len(texts)]
                note, _created = notes.create_note(
                    session, space, notes.NoteInput(category, text), f"demo-{group.id}-{category}-{turn}"
                )
                written.append(note.id)
        for note_id in written[: len(members) // 2]:
            voter = members[rng.randrange(len(members))]
            supported = session.get(Note, note_id)
            if (
                supported is not None
                and supported.author_id != voter.id
                and not session.get(NoteVote, (note_id, voter.id))
            ):
                notes.toggle_vote(session, notes.space_for(session, voter, group.id), note_id)
        rapporteur = next((m.user for m in group.members if m.role == "rapporteur"), members[0])
        notes.save_summary(session, notes.space_for(session, rapporteur, group.id), 0, demo_data.DEMO_SUMMARY)


def _publish_synthesis(session: Session, workshop: Workshop, actor: User) -> None:
    """The past workshop's synthesis: a theme gathering the first notes of two groups, published."""
    scope = synthesis.workshop_scope(workshop)
    views = synthesis.live_notes(session, scope)
    firsts: dict[int, int] = {}
    for view in views:
        if view.note.category == "lever":
            firsts.setdefault(view.group.id, view.note.id)
    if len(firsts) >= 2:
        synthesis.group_notes(session, scope, actor, "Mutualiser pour durer", list(firsts.values())[:3])
    synthesis.publish(session, scope, actor)


def _sign_in_url(app: Flask) -> str:
    path = app.url_map.bind("localhost").build("auth.login")
    return str(app.config["SERVER_NAME_URL"]).rstrip("/") + path


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Ne rien faire si un parcours existe déjà.")
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo programme « Hybrider son modèle socio-économique territorial »."""
    session = new_session(get_engine(), write=True)
    try:
        if session.scalar(sa.select(sa.func.count()).select_from(Programme)):
            if if_empty:
                click.echo("Des parcours existent déjà : données de démonstration non chargées.")
                click.echo(f"Connexion : {_sign_in_url(current_app)}")
                click.echo(
                    "Les mots de passe de démonstration ont été affichés au premier chargement ; "
                    "« flask create-admin » crée un compte d'administration."
                )
                return
            if session.scalar(sa.select(Programme.id).where(Programme.slug == demo_data.PROGRAMME_SLUG)):
                raise click.ClickException("Le parcours de démonstration existe déjà dans cette base.")
        summary = load_demo(session)
        session.commit()
    except sa.exc.IntegrityError as error:
        session.rollback()
        raise click.ClickException(
            "Impossible de charger la démonstration : une adresse de démonstration existe déjà."
        ) from error
    finally:
        session.close()
    _print_summary(summary, _sign_in_url(current_app))


def _print_summary(summary: DemoSummary, sign_in_url: str) -> None:
    click.echo(f"Parcours de démonstration chargé : « {summary.programme.title} »")
    click.echo(f"  {len(summary.workshops)} ateliers, {summary.participant_count} personnes participantes.")
    click.echo("")
    click.echo(f"Connexion : {sign_in_url}")
    click.echo("Comptes de démonstration (mots de passe aléatoires, affichés cette seule fois) :")
    for account in summary.accounts:
        click.echo(f"  {account.label:<15} {account.email:<45} {account.password}")


def register(app: Flask) -> None:
    """Attach this module's commands."""
    app.cli.add_command(seed_demo_command)
