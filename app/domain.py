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

NOTE_QUESTIONS: dict[str, object] = {
    "inspiring_practice": _l("Quelle pratique ou quel exemple inspirant avez-vous vu ou mis en œuvre ?"),
    "difficulty": _l("Qu'est-ce qui bloque ou freine ?"),
    "lever": _l("Qu'est-ce qui a permis d'avancer, ou pourrait aider ?"),
    "success_condition": _l("À quelles conditions cela fonctionne-t-il ?"),
    "open_question": _l("Quelle question reste sans réponse ?"),
    "learning": _l("Qu'avons-nous appris ? Que retenir ?"),
    "action_idea": _l("Que pourrait-on faire ? Qui s'engage à quoi ?"),
}

# Cross-cutting note tags: the three levers of a socio-economic model, then the 17 SDGs (« odd-N »).
NOTE_LEVERS: dict[str, object] = {
    "human_resources": _l("Richesses humaines"),
    "financial_resources": _l("Ressources financières"),
    "strategic_alliances": _l("Alliances stratégiques"),
}

SDGS: dict[int, object] = {
    1: _l("Pas de pauvreté"),
    2: _l("Faim « zéro »"),
    3: _l("Bonne santé et bien-être"),
    4: _l("Éducation de qualité"),
    5: _l("Égalité entre les sexes"),
    6: _l("Eau propre et assainissement"),
    7: _l("Énergie propre et d'un coût abordable"),
    8: _l("Travail décent et croissance économique"),
    9: _l("Industrie, innovation et infrastructure"),
    10: _l("Inégalités réduites"),
    11: _l("Villes et communautés durables"),
    12: _l("Consommation et production responsables"),
    13: _l("Mesures relatives à la lutte contre les changements climatiques"),
    14: _l("Vie aquatique"),
    15: _l("Vie terrestre"),
    16: _l("Paix, justice et institutions efficaces"),
    17: _l("Partenariats pour la réalisation des objectifs"),
}


def note_tags() -> dict[str, str]:
    """Every note tag id with its label: levers, then « ODD n – label »."""
    tags = {key: str(label) for key, label in NOTE_LEVERS.items()}
    tags.update(
        {
            f"odd-{number}": str(_l("ODD %(number)s – %(label)s", number=number, label=label))
            for number, label in SDGS.items()
        }
    )
    return tags


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
