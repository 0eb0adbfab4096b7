"""Reference lists of the domain (DOMAIN.md): stable identifiers with French labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTOR_PROFILES: dict[str, object] = {
    "local_authority": _l("Collectivité territoriale ou groupement (commune, EPCI, département, région)"),
    "state_public_body": _l(
        "État et établissement public (préfecture, services déconcentrés, agences, Banque des Territoires)"
    ),
    "association": _l("Association"),
    "foundation": _l("Fondation ou fonds de dotation"),
    "company": _l("Entreprise"),
    "ess_enterprise": _l("Entreprise de l'ESS (coopérative, mutuelle, SIAE…)"),
    "academic": _l("Acteur académique et de recherche"),
    "support_intermediary": _l("Acteur de l'accompagnement (DLA, CRESS, incubateur, consultant)"),
    "citizen": _l("Habitant ou citoyen à titre individuel"),
    "other": _l("Autre (préciser)"),
}

NOTE_CATEGORIES: dict[str, object] = {
    "inspiring_practice": _l("Pratique inspirante"),
    "difficulty": _l("Difficulté / obstacle"),
    "lever": _l("Levier"),
    "success_condition": _l("Condition de réussite"),
    "open_question": _l("Question ouverte"),
    "learning": _l("Enseignement"),
    "action_idea": _l("Piste d'action"),
}

WORKSHOP_FORMATS: dict[str, object] = {
    "peer_workshop": _l("Atelier de partage entre pairs"),
    "codevelopment": _l("Co-développement"),
    "world_cafe": _l("World Café"),
    "open_space": _l("Forum ouvert"),
    "hackathon": _l("Hackathon"),
    "experience_sharing": _l("Partage d'expérience"),
    "field_visit": _l("Visite de terrain"),
    "webinar": _l("Webinaire"),
    "plenary_restitution": _l("Restitution en plénière"),
    "custom": _l("Autre format"),
}

ATTRIBUTION_MODES: dict[str, object] = {
    "named": _l("Nominatif"),
    "by_profile": _l("Par profil d'acteur"),
    "anonymous": _l("Anonyme"),
}

REGISTRATION_STATUSES: dict[str, object] = {
    "confirmed": _l("Inscription confirmée"),
    "waitlisted": _l("Liste d'attente"),
    "cancelled": _l("Annulée"),
}

ATTENDANCES: dict[str, object] = {
    "unknown": _l("Pointage à faire"),
    "present": _l("Présence"),
    "absent": _l("Absence"),
}

CONSENT_PURPOSES: dict[str, object] = {
    "newsletter": _l("Recevoir les informations sur les prochains parcours et ateliers"),
    "directory": _l("Apparaître dans l'annuaire des participantes et participants du parcours"),
    "photos": _l("Accepter d'être pris ou prise en photo pendant les ateliers"),
}

GROUP_ROLES: dict[str, object] = {
    "member": _l("Membre"),
    "rapporteur": _l("Rapporteur ou rapporteuse"),
    "timekeeper": _l("Gardien ou gardienne du temps"),
    "table_host": _l("Hôte ou hôtesse de table"),
    "facilitator": _l("Facilitation"),
}

ROLE_LABELS: dict[str, object] = {
    "participant": _l("Participante ou participant"),
    "facilitator": _l("Facilitatrice ou facilitateur"),
    "admin": _l("Administratrice ou administrateur"),
}


def choices(mapping: dict[str, object]) -> list[tuple[str, str]]:
    """(value, label) pairs for a select field, labels evaluated in the current language."""
    return [(key, str(label)) for key, label in mapping.items()]
