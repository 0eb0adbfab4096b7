"""Back office: dashboard, programme and workshop create/edit, validation, optimistic locking."""

from __future__ import annotations

import datetime as dt
import html

import sqlalchemy as sa
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy.orm import Session

from app import domain
from app.models import AuditLog, OutboxMessage, Programme, ProgrammeFacilitator, Registration, User, Workshop
from app.models.workshop import WorkshopQuota
from tests.conftest import post_form
from tests.factories import make_programme, make_user, make_workshop


def sign_in(client: FlaskClient, user: User) -> None:
    """Open a session for `user` the way Flask-Login stores it (no password round trip)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def facilitator_with_programme(db: Session) -> tuple[User, Programme]:
    user = make_user(
        db, role="facilitator", email="anim@exemple.fr", first_name="Alex", last_name="Animateur"
    )
    return user, make_programme(db, facilitators=[user], title="Parcours Grand Est")


def workshop_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Atelier de printemps",
        "description": "Partager nos pratiques.",
        "format": "peer_workshop",
        "starts_at": "2030-03-10T14:00",
        "ends_at": "2030-03-10T17:00",
        "place": "Hôtel de Région, Metz",
        "online_url": "",
        "capacity": "20",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "note_categories": list(domain.NOTE_CATEGORIES),
        "attribution_mode": "by_profile",
    }
    data.update(overrides)
    return data


def programme_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Hybrider son modèle socio-économique territorial",
        "slug": "",
        "description": "Un parcours expérientiel.",
        "start_date": "2030-01-15",
        "end_date": "2030-06-30",
        "organisations": "Région Grand Est\nCNFPT\n\nRégion Grand Est",
        "visibility": "public",
    }
    data.update(overrides)
    return data


def fresh(db: Session) -> None:
    """See what requests committed: end the test session's snapshot and forget loaded rows."""
    db.rollback()
    db.expire_all()


def count(db: Session, model: type) -> int:
    fresh(db)
    return int(db.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


# --- Dashboard ---------------------------------------------------------------------------------


def test_dashboard_lists_own_programmes_with_counts(client: FlaskClient, db: Session) -> None:
    user, programme = facilitator_with_programme(db)
    other = make_programme(db, title="Parcours d'une autre équipe")
    workshop = make_workshop(db, programme, title="Atelier du jeudi", capacity=5)
    make_workshop(db, other, title="Atelier caché")
    for index in range(3):
        person = make_user(db)
        db.add(
            Registration(
                workshop_id=workshop.id,
                user_id=person.id,
                status="confirmed",
                attendance="present" if index == 0 else "unknown",
            )
        )
    waiting = make_user(db)
    db.add(
        Registration(workshop_id=workshop.id, user_id=waiting.id, status="waitlisted", waitlist_position=1)
    )
    db.commit()
    sign_in(client, user)

    response = client.get("/gestion/")

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Parcours Grand Est" in page and "Atelier du jeudi" in page
    assert "Atelier caché" not in page and "autre équipe" not in page
    assert "3 / 5" in page
    assert response.headers["Cache-Control"] == "no-store"


def test_admin_dashboard_shows_every_programme(client: FlaskClient, db: Session) -> None:
    admin = make_user(db, role="admin")
    make_programme(db, title="Premier parcours")
    make_programme(db, title="Second parcours")
    sign_in(client, admin)

    page = client.get("/gestion/").get_data(as_text=True)

    assert "Premier parcours" in page and "Second parcours" in page


# --- Programmes --------------------------------------------------------------------------------


def test_rel_08_create_programme_redirects_and_attaches_its_creator(client: FlaskClient, db: Session) -> None:
    user = make_user(db, role="facilitator")
    colleague = make_user(db, role="facilitator", email="collegue@exemple.fr")
    sign_in(client, user)

    response = post_form(client, "/gestion/parcours/nouveau", programme_data(facilitators=[colleague.email]))

    assert response.status_code == 302
    programme = db.scalars(sa.select(Programme)).one()
    assert response.headers["Location"].endswith(f"/gestion/parcours/{programme.id}")
    assert programme.slug == "hybrider-son-modele-socio-economique-territorial"
    assert [org.name for org in programme.organisations] == ["Région Grand Est", "CNFPT"]
    attached = set(db.scalars(sa.select(ProgrammeFacilitator.user_id)))
    assert attached == {user.id, colleague.id}
    assert programme.start_date == dt.date(2030, 1, 15)


def test_programme_slug_gets_a_suffix_when_taken(client: FlaskClient, db: Session) -> None:
    make_programme(db, slug="parcours-commun", title="Parcours commun")
    user = make_user(db, role="facilitator")
    sign_in(client, user)

    post_form(client, "/gestion/parcours/nouveau", programme_data(title="Parcours commun"))

    assert set(db.scalars(sa.select(Programme.slug))) == {"parcours-commun", "parcours-commun-2"}


def test_programme_explicit_slug_taken_is_refused_in_french(client: FlaskClient, db: Session) -> None:
    make_programme(db, slug="deja-pris")
    user = make_user(db, role="facilitator")
    sign_in(client, user)

    response = post_form(client, "/gestion/parcours/nouveau", programme_data(slug="deja-pris"))

    assert response.status_code == 400
    assert "déjà utilisée par un autre parcours" in response.get_data(as_text=True)
    assert count(db, Programme) == 1


def test_programme_end_before_start_is_refused_and_nothing_written(client: FlaskClient, db: Session) -> None:
    user = make_user(db, role="facilitator")
    sign_in(client, user)

    response = post_form(
        client, "/gestion/parcours/nouveau", programme_data(start_date="2030-06-01", end_date="2030-05-01")
    )

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "La date de fin ne peut pas précéder la date de début." in page
    assert "Hybrider son modèle socio-économique territorial" in page  # the typed title comes back
    assert count(db, Programme) == 0


def test_programme_oversized_title_is_refused(client: FlaskClient, db: Session) -> None:
    user = make_user(db, role="facilitator")
    sign_in(client, user)

    response = post_form(client, "/gestion/parcours/nouveau", programme_data(title="x" * 201))

    assert response.status_code == 400
    assert "limité à 200 caractères" in response.get_data(as_text=True)
    assert count(db, Programme) == 0


def test_link_only_programme_shows_its_secret_link(client: FlaskClient, db: Session) -> None:
    user, programme = facilitator_with_programme(db)
    programme.visibility = "link_only"
    db.commit()
    sign_in(client, user)

    page = client.get(f"/gestion/parcours/{programme.id}").get_data(as_text=True)

    assert f"/parcours/{programme.slug}?cle={programme.link_token}" in page


def test_rotating_the_link_changes_the_key(client: FlaskClient, db: Session) -> None:
    user, programme = facilitator_with_programme(db)
    old = programme.link_token
    sign_in(client, user)

    response = post_form(client, f"/gestion/parcours/{programme.id}/lien")

    assert response.status_code == 302
    fresh(db)
    assert db.get(Programme, programme.id).link_token != old  # type: ignore[union-attr]


def test_edit_programme_saves_and_keeps_its_facilitator(client: FlaskClient, db: Session) -> None:
    user, programme = facilitator_with_programme(db)
    sign_in(client, user)
    form_page = client.get(f"/gestion/parcours/{programme.id}/modifier").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{programme.version}"' in form_page

    response = post_form(
        client,
        f"/gestion/parcours/{programme.id}/modifier",
        programme_data(
            title="Nouveau titre", slug=programme.slug, version=str(programme.version), facilitators=[]
        ),
    )

    assert response.status_code == 302
    fresh(db)
    saved = db.get(Programme, programme.id)
    assert saved is not None and saved.title == "Nouveau titre"
    assert [link.user_id for link in saved.facilitator_links] == [user.id]


def test_rel_01_stale_programme_edit_answers_409_and_keeps_the_input(
    client: FlaskClient, db: Session
) -> None:
    user, programme = facilitator_with_programme(db)
    read_version = programme.version
    programme.title = "Titre enregistré entre-temps"
    db.commit()
    sign_in(client, user)

    response = post_form(
        client,
        f"/gestion/parcours/{programme.id}/modifier",
        programme_data(title="Mon titre à moi", slug=programme.slug, version=str(read_version)),
    )

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "Mon titre à moi" in page
    assert "Modification concurrente" in page
    fresh(db)
    assert db.get(Programme, programme.id).title == "Titre enregistré entre-temps"  # type: ignore[union-attr]


# --- Workshops ---------------------------------------------------------------------------------


def test_create_workshop_converts_paris_time_to_utc(client: FlaskClient, db: Session) -> None:
    user, programme = facilitator_with_programme(db)
    sign_in(client, user)

    response = post_form(
        client,
        f"/gestion/parcours/{programme.id}/ateliers/nouveau",
        workshop_data(
            starts_at="2030-07-10T14:00",
            ends_at="2030-07-10T17:30",
            quota_association="4",
            quota_company="",
            note_categories=["lever", "difficulty"],
            attribution_mode="anonymous",
        ),
    )

    workshop = db.scalars(sa.select(Workshop)).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/gestion/ateliers/{workshop.id}")
    assert workshop.starts_at == dt.datetime(2030, 7, 10, 12, 0, tzinfo=dt.UTC)  # CEST is UTC+2
    assert workshop.ends_at == dt.datetime(2030, 7, 10, 15, 30, tzinfo=dt.UTC)
    assert [(quota.actor_profile, quota.seats) for quota in workshop.quotas] == [("association", 4)]
    assert workshop.note_categories == ["difficulty", "lever"]
    assert workshop.attribution_mode == "anonymous"


def test_workshop_form_shows_paris_times(client: FlaskClient, db: Session) -> None:
    user, programme = facilitator_with_programme(db)
    start = dt.datetime(2030, 1, 20, 8, 30, tzinfo=dt.UTC)
    workshop = make_workshop(db, programme, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    sign_in(client, user)

    page = client.get(f"/gestion/ateliers/{workshop.id}/modifier").get_data(as_text=True)

    assert 'value="2030-01-20T09:30"' in page  # CET is UTC+1


def test_workshop_end_before_start_is_refused_and_nothing_written(client: FlaskClient, db: Session) -> None:
    user, programme = facilitator_with_programme(db)
    sign_in(client, user)

    response = post_form(
        client,
        f"/gestion/parcours/{programme.id}/ateliers/nouveau",
        workshop_data(starts_at="2030-03-10T14:00", ends_at="2030-03-10T13:00"),
    )

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "La fin de l'atelier doit être postérieure à son début." in page
    assert 'value="Atelier de printemps"' in page
    assert count(db, Workshop) == 0


def test_workshop_closing_after_end_and_bad_link_are_refused(client: FlaskClient, db: Session) -> None:
    user, programme = facilitator_with_programme(db)
    sign_in(client, user)

    response = post_form(
        client,
        f"/gestion/parcours/{programme.id}/ateliers/nouveau",
        workshop_data(registration_closes_at="2030-03-11T09:00", online_url="javascript:alert(1)"),
    )

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "La clôture des inscriptions ne peut pas être postérieure à la fin de l'atelier." in page
    assert "commençant par https://" in page
    assert count(db, Workshop) == 0


def test_workshop_negative_numbers_and_oversized_fields_are_refused(client: FlaskClient, db: Session) -> None:
    user, programme = facilitator_with_programme(db)
    sign_in(client, user)

    response = post_form(
        client,
        f"/gestion/parcours/{programme.id}/ateliers/nouveau",
        workshop_data(capacity="-1", quota_association="-2", place="p" * 301),
    )

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Indiquez un nombre entre 0 et 10000." in page
    assert "Indiquez un nombre positif ou nul." in page
    assert "limité à 300 caractères" in page
    assert count(db, Workshop) == 0


def test_workshop_capacity_below_confirmed_is_refused_and_nothing_written(
    client: FlaskClient, db: Session
) -> None:
    user, programme = facilitator_with_programme(db)
    workshop = make_workshop(db, programme, capacity=5, title="Avant")
    for _ in range(3):
        db.add(Registration(workshop_id=workshop.id, user_id=make_user(db).id, status="confirmed"))
    db.commit()
    sign_in(client, user)

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/modifier",
        workshop_data(title="Après", capacity="2", version=str(workshop.version)),
    )

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "La capacité ne peut pas être inférieure au nombre d'inscriptions confirmées (3)." in page
    fresh(db)
    saved = db.get(Workshop, workshop.id)
    assert saved is not None and saved.capacity == 5 and saved.title == "Avant"


def test_raising_capacity_promotes_the_waitlist(client: FlaskClient, db: Session) -> None:
    user, programme = facilitator_with_programme(db)
    workshop = make_workshop(db, programme, capacity=1)
    db.add(Registration(workshop_id=workshop.id, user_id=make_user(db).id, status="confirmed"))
    waiting = Registration(
        workshop_id=workshop.id, user_id=make_user(db).id, status="waitlisted", waitlist_position=1
    )
    db.add(waiting)
    db.commit()
    sign_in(client, user)

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/modifier",
        workshop_data(capacity="2", version=str(workshop.version)),
    )

    assert response.status_code == 302
    fresh(db)
    assert db.get(Registration, waiting.id).status == "confirmed"  # type: ignore[union-attr]


def test_moving_a_workshop_bumps_its_calendar_sequence(client: FlaskClient, db: Session) -> None:
    user, programme = facilitator_with_programme(db)
    start = dt.datetime(2030, 3, 10, 13, 0, tzinfo=dt.UTC)
    workshop = make_workshop(
        db, programme, starts_at=start, ends_at=start + dt.timedelta(hours=3), place="Hôtel de Région, Metz"
    )
    sign_in(client, user)

    same = post_form(
        client, f"/gestion/ateliers/{workshop.id}/modifier", workshop_data(version=str(workshop.version))
    )
    fresh(db)
    unchanged = db.get(Workshop, workshop.id)
    assert same.status_code == 302 and unchanged is not None and unchanged.ics_sequence == 0

    moved = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/modifier",
        workshop_data(place="Strasbourg", version=str(unchanged.version)),
    )
    fresh(db)
    assert moved.status_code == 302
    assert db.get(Workshop, workshop.id).ics_sequence == 1  # type: ignore[union-attr]


def test_moving_a_workshop_sends_the_confirmed_people_an_updated_invitation(
    client: FlaskClient, db: Session
) -> None:
    user, programme = facilitator_with_programme(db)
    start = dt.datetime(2030, 3, 10, 13, 0, tzinfo=dt.UTC)
    workshop = make_workshop(
        db, programme, starts_at=start, ends_at=start + dt.timedelta(hours=3), capacity=1
    )
    seated = make_user(db, email="assise@exemple.fr")
    waiting = make_user(db, email="attente@exemple.fr")
    db.add(Registration(workshop_id=workshop.id, user_id=seated.id, status="confirmed"))
    db.add(
        Registration(workshop_id=workshop.id, user_id=waiting.id, status="waitlisted", waitlist_position=1)
    )
    workshop.reminder_sent_at = dt.datetime(2030, 3, 8, tzinfo=dt.UTC)
    db.commit()
    sign_in(client, user)

    later = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/modifier",
        workshop_data(
            starts_at="2030-03-17T14:00",
            ends_at="2030-03-17T17:00",
            capacity="1",
            version=str(workshop.version),
        ),
    )

    assert later.status_code == 302
    fresh(db)
    mails = db.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "workshop_changed")).all()
    assert [mail.recipient for mail in mails] == ["assise@exemple.fr"]
    invitation = Calendar.from_ical(mails[0].ics)
    event = next(iter(invitation.walk("VEVENT")))
    assert str(invitation["METHOD"]) == "REQUEST"
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == dt.datetime(2030, 3, 17, 13, 0, tzinfo=dt.UTC)
    assert db.get(Workshop, workshop.id).reminder_sent_at is None  # type: ignore[union-attr]


def test_rel_01_stale_workshop_edit_answers_409_and_keeps_the_input(client: FlaskClient, db: Session) -> None:
    user, programme = facilitator_with_programme(db)
    workshop = make_workshop(db, programme, title="Titre initial")
    read_version = workshop.version
    workshop.title = "Titre d'une collègue"
    db.commit()
    sign_in(client, user)

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/modifier",
        workshop_data(title="Mon titre", version=str(read_version)),
    )

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert 'value="Mon titre"' in page
    fresh(db)
    assert db.get(Workshop, workshop.id).title == "Titre d'une collègue"  # type: ignore[union-attr]


def test_emptied_quota_is_removed_and_edit_is_audited(client: FlaskClient, db: Session) -> None:
    user, programme = facilitator_with_programme(db)
    workshop = make_workshop(db, programme)
    db.add(WorkshopQuota(workshop_id=workshop.id, actor_profile="company", seats=3))
    db.commit()
    db.refresh(workshop)
    sign_in(client, user)

    response = post_form(
        client,
        f"/gestion/ateliers/{workshop.id}/modifier",
        workshop_data(quota_company="", quota_academic="2", version=str(workshop.version)),
    )

    assert response.status_code == 302
    fresh(db)
    quotas = db.scalars(sa.select(WorkshopQuota).where(WorkshopQuota.workshop_id == workshop.id)).all()
    assert [(quota.actor_profile, quota.seats) for quota in quotas] == [("academic", 2)]
    assert db.scalars(sa.select(AuditLog.action).where(AuditLog.action == "workshop.update")).all()
