"""A realistic `SynthesisData` without a database, for renderer tests and the exports benchmark.

Deterministic: the same arguments give the same data. French texts, including the ones that break
naive exporters (formulas, template syntax, HTML, quotes, separators, newlines, emoji).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from app.exports.synthesis_model import (
    NOTE_COLUMN_KEYS,
    Chart,
    Column,
    Count,
    Facts,
    NoteRow,
    Section,
    SynthesisData,
    Theme,
)

PROGRAMME = "Hybrider son modèle socio-économique territorial"
ORGANISERS = ("Région Grand Est", "CNFPT & Avise", "Laboratoire « Territoires »")
CONFIDENTIALITY = (
    "Règle de Chatham House : ce qui a été dit peut être repris, sans dire qui l'a dit ni à quel titre."
)
NAMED_CONFIDENTIALITY = (
    "Export nominatif choisi par Camille Facilitatrice : les autrices et auteurs sont cités."
)

# Texts that must stay inert text in every format (EX-01/02/03, XS-01).
TRICKY = (
    "=1+1",
    "@SUM(A1)",
    "-2",
    "+33 6 12 34 56 78",
    "{{7*7}}",
    "<script>alert(1)</script>",
    'Il a dit "bonjour" ; puis « au revoir »',
    "Metz, Nancy; Épinal | Troyes",
    "ligne 1\nligne 2\r\nligne 3",
    "\tcaché derrière une tabulation",
    "# pas un titre *ni gras* _ni italique_ [ni lien](https://exemple.fr) `ni code`",
    "Cœur de l'ÉSS 🌱 : coopérer plutôt qu'être en concurrence",
)

PARTICIPANTS = (
    "Élodie Marchand",
    "Jérôme Lefèvre",
    "Françoise N'Diaye",
    "Loïc Bérenger",
    "Anaïs Œttinger",
    "Grégoire Dubœuf",
)
EMAILS = tuple(name.split()[0].lower() + "@exemple.fr" for name in PARTICIPANTS)

CATEGORIES = (
    (
        "inspiring_practice",
        "Pratique inspirante",
        "Quelle pratique ou quel exemple inspirant avez-vous vu ou mis en œuvre ?",
    ),
    ("difficulty", "Difficulté / obstacle", "Qu'est-ce qui bloque ou freine ?"),
    ("lever", "Levier", "Qu'est-ce qui a permis d'avancer, ou pourrait aider ?"),
    ("success_condition", "Condition de réussite", "À quelles conditions cela fonctionne-t-il ?"),
    ("open_question", "Question ouverte", "Quelle question reste sans réponse ?"),
    ("learning", "Enseignement", "Qu'avons-nous appris ? Que retenir ?"),
    ("action_idea", "Piste d'action", "Que pourrait-on faire ? Qui s'engage à quoi ?"),
)
PROFILES = (
    "Collectivité territoriale ou groupement",
    "Association",
    "Entreprise de l'ESS (coopérative, mutuelle, SIAE…)",
    "Acteur de l'accompagnement (DLA, CRESS, incubateur, consultant)",
    "Fondation ou fonds de dotation",
)
TERRITORIES = ("Moselle", "Meurthe-et-Moselle", "Bas-Rhin", "Marne", "Vosges")
TAGS = (
    "Richesses humaines",
    "Ressources financières",
    "Alliances stratégiques",
    "ODD 17 – Partenariats pour la réalisation des objectifs",
)
PLAIN = (
    "Un tiers-lieu mutualise la comptabilité de cinq associations du quartier.",
    "Le conventionnement pluriannuel a sécurisé l'emploi de la coordinatrice.",
    "Les élus découvrent tard les projets : il faut les associer dès l'amorçage.",
    "Un fonds de dotation territorial finance l'ingénierie, pas seulement l'investissement.",
    "Le bénévolat de compétences des retraités de l'industrie reste sous-exploité.",
    "Co-construire la convention avec la CAF a pris dix-huit mois mais tient dans la durée.",
    "Les appels à projets successifs épuisent les équipes ; préférer des partenariats longs.",
    "Une SCIC réunit commune, habitants et entreprises autour de la cantine.",
)
THEMES = (
    "Mutualiser les fonctions support",
    "Sortir de la logique d'appel à projets",
    "Associer les élus tôt — « {{7*7}} » & <b>co</b>",
)
SECTION_TITLES = (
    ("context", "Contexte et objectifs"),
    ("participants", "Participants"),
    ("progress", "Déroulé"),
    ("key_ideas", "Idées-forces"),
    ("inspiring_practices", "Pratiques inspirantes"),
    ("difficulties_levers", "Difficultés et leviers"),
    ("success_conditions", "Conditions de réussite et points de vigilance"),
    ("socio_economic_levers", "Lecture par levier du modèle socio-économique"),
    ("open_questions", "Questions ouvertes"),
    ("learnings", "Enseignements"),
    ("next_steps", "Pistes d'action et prochaines étapes"),
    ("resources", "Ressources"),
    ("annexes", "Annexes"),
)
SECTION_BODY = """Les participantes et participants ont travaillé en **sous-groupes**
de *cinq à sept* personnes.

## Ce que nous retenons

- Mutualiser les **fonctions support** ;
- sortir de la logique d'appel à projets ;
  - y compris pour les *petites* structures.

1. Identifier les acteurs
2. Construire la convention

> « Coopérer, c'est d'abord se connaître. »

Voir [le guide de l'Avise](https://www.avise.org/) et `ODD 17`.
Une ligne après un saut de ligne simple.

<script>alert(1)</script>

Texte avec <b>balise</b> et {{7*7}} qui restent du texte.

| Levier | Exemple |
|---|---|
| Richesses humaines | Bénévolat de compétences |
"""

COLUMN_TITLES = {
    "workshop": ("Atelier", "Titre de l'atelier où la note a été écrite."),
    "round": ("Rotation", "Numéro de la rotation (1 pour la première)."),
    "group": ("Sous-groupe", "Numéro du sous-groupe dans la rotation."),
    "table": ("Table", "Nom de la table, s'il y en a un."),
    "category": ("Catégorie", "Catégorie de la note."),
    "question": ("Question guide", "La question posée pour cette catégorie."),
    "tags": ("Mots-clés", "Leviers du modèle socio-économique et ODD, séparés par des virgules."),
    "text": ("Texte", "Le texte de la note, tel qu'écrit."),
    "plus": ("+1", "Nombre de « +1 » reçus."),
    "highlighted": ("Retenue", "« oui » si l'équipe d'animation a retenu la note."),
    "theme": ("Thème", "Le thème où l'équipe d'animation a rangé la note."),
    "author": ("Attribution", "Autrice ou auteur, ou son profil d'acteur, selon le mode d'attribution."),
    "created_at": ("Créée le", "Date et heure de création (heure de Paris)."),
    "updated_at": ("Modifiée le", "Date et heure de la dernière modification (heure de Paris)."),
}

WORKSHOP = "Atelier n° 3 : coopérer sur son territoire"
START = dt.datetime(2026, 12, 17, 14, 0)


def columns() -> tuple[Column, ...]:
    """The raw-notes columns with French titles and descriptions."""
    return tuple(Column(key, *COLUMN_TITLES[key]) for key in NOTE_COLUMN_KEYS)


def note_text(index: int) -> str:
    """The text of note number `index`: the tricky ones first, then plain French sentences."""
    if index < len(TRICKY):
        return TRICKY[index]
    return f"{PLAIN[index % len(PLAIN)]} (note {index + 1})"


def _author(index: int, attribution_mode: str, named: bool) -> str:
    if named:
        return PARTICIPANTS[index % len(PARTICIPANTS)]
    if attribution_mode == "by_profile":
        return PROFILES[index % len(PROFILES)]
    return ""


def workshop_names(count: int) -> tuple[str, ...]:
    """The titles of `count` workshops of the programme (the first one is `WORKSHOP`)."""
    return (WORKSHOP, *(f"Atelier n° {3 + number} : suite du parcours" for number in range(1, count)))


def make_notes(
    count: int, groups: int, rounds: int, attribution_mode: str, named: bool, workshops: int = 1
) -> tuple[NoteRow, ...]:
    """`count` notes over `groups` groups and `rounds` rounds; tricky ones and every 9th highlighted."""
    names = workshop_names(workshops)
    notes = []
    for index in range(count):
        category, label, question = CATEGORIES[index % len(CATEGORIES)]
        group = index % groups + 1
        created = START + dt.timedelta(minutes=index % 170, seconds=index % 60)
        notes.append(
            NoteRow(
                workshop=names[index % workshops],
                round=index % rounds + 1,
                group=group,
                table=f"Table {chr(ord('A') + group % 26)}" if group % 4 else "",
                category=category,
                category_label=label,
                question=question,
                tags=tuple(TAGS[(index + shift) % len(TAGS)] for shift in range(index % 3)),
                text=note_text(index),
                plus=index % 5,
                highlighted=index < len(TRICKY) or index % 9 == 0,
                theme=THEMES[index % len(THEMES)] if index % 4 == 0 else "",
                author=_author(index, attribution_mode, named),
                created_at=created,
                updated_at=created + dt.timedelta(minutes=index % 3),
            )
        )
    # The services' order: highlighted first, then workshop, round, group, category.
    order = {key: position for position, (key, _, _) in enumerate(CATEGORIES)}
    return tuple(
        sorted(
            notes,
            key=lambda note: (
                not note.highlighted,
                note.workshop,
                note.round,
                note.group,
                order[note.category],
            ),
        )
    )


def _counts(labels: tuple[str, ...], total: int) -> tuple[Count, ...]:
    return tuple(
        Count(label, total // len(labels) + (1 if index < total % len(labels) else 0))
        for index, label in enumerate(labels)
    )


def _facts(workshop: str, notes: list[NoteRow], groups: int, rounds: int) -> Facts:
    per_category = Counter(note.category_label for note in notes)
    attendees = groups * 6
    return Facts(
        workshop=workshop,
        date="jeudi 17 décembre 2026, 14\u00a0h\u00a000 – 17\u00a0h\u00a000",
        place="Hôtel de Région, 1 place Gabriel Hocquard, Metz",
        format="Atelier de partage entre pairs",
        attendees=attendees,
        registered=attendees + 4,
        groups=groups,
        rounds=rounds,
        notes=len(notes),
        profiles=_counts(PROFILES, attendees),
        territories=_counts(TERRITORIES, attendees),
        categories=tuple(Count(label, per_category[label]) for _, label, _ in CATEGORIES),
    )


def build(
    notes: int = 60,
    groups: int = 6,
    *,
    rounds: int = 3,
    named: bool = False,
    attribution_mode: str = "anonymous",
    version: int | None = 2,
    warnings: tuple[str, ...] = (),
    workshops: int = 1,
) -> SynthesisData:
    """A synthesis with `notes` notes in `groups` groups (anonymous unless `named`).

    With `workshops` > 1 it is a programme's roll-up: notes spread over that many workshops.
    """
    rows = make_notes(notes, groups, rounds, attribution_mode, named, workshops)
    names = workshop_names(workshops)
    facts = tuple(
        _facts(name, [note for note in rows if note.workshop == name], groups, rounds) for name in names
    )
    per_category = Counter(note.category_label for note in rows)
    categories = tuple(Count(label, per_category[label]) for _, label, _ in CATEGORIES)
    attendees = sum(fact.attendees for fact in facts)
    profiles = _counts(PROFILES, attendees)
    territories = _counts(TERRITORIES, attendees)
    charts = (
        Chart("profiles", "Profils d'acteurs présents", profiles),
        Chart("territories", "Territoires représentés", territories),
        Chart("categories", "Notes par catégorie", categories),
    )
    themes = tuple(Theme(name, tuple(note for note in rows if note.theme == name)) for name in THEMES)
    sections = tuple(
        Section(
            key, f"{position}. {title}", SECTION_BODY if position in (1, 4) else f"À compléter : {title}."
        )
        for position, (key, title) in enumerate(SECTION_TITLES, start=1)
    )
    return SynthesisData(
        title=f"Synthèse — {WORKSHOP if workshops == 1 else PROGRAMME}",
        programme=PROGRAMME,
        organisers=ORGANISERS,
        scope="workshop" if workshops == 1 else "programme",
        workshops=names,
        attribution_mode="named" if named else attribution_mode,
        confidentiality=NAMED_CONFIDENTIALITY if named else CONFIDENTIALITY,
        named=named,
        generated_at=dt.datetime(2026, 12, 18, 9, 30, tzinfo=dt.UTC),
        version=version,
        facts=facts,
        charts=charts,
        sections=sections,
        themes=themes,
        notes=rows,
        columns=columns(),
        warnings=warnings,
    )
