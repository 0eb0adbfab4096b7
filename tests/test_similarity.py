"""Near-duplicate suggestions across peer groups (app/synthesis_text/similarity.py); no database.

Realistic set (REALISTIC_NOTES below): 34 notes from six groups of a workshop on the socio-economic
models of associations and local authorities. Ten known paraphrase sets across groups (14 pairs) and
unrelated notes that share a word with them (« accompagnement », « mutualiser », « bénévoles »,
« fonds », « louer », « conseil d'administration »...).

Measured at the default threshold (0.25), counting a pair as suggested when both notes are in one
suggestion: precision 13/14 = 0.93, recall 13/14 = 0.93. All 9 clear pairs are found; the hard
« compta / comptabilité / paie » set (1, 2, 3) is found thanks to the shorthand table (written after
seeing it: that set's recall is optimistic). The miss (6, 7 « renouveler les bénévoles ») and the
false positive (7, 30) are one mistake: note 7 also shares « conseil d'administration » with the short
note 30, that link is stronger, and a note goes to one suggestion only; dismissing (7, 30) brings
(6, 7) back. Pair similarities on the set, for the choice of the threshold:
  threshold      0.20  0.25  0.30  0.35  0.40
  precision      0.78  0.88  0.86  0.92  1.00   (pairs above the threshold, before grouping)
  recall         1.00  1.00  0.86  0.79  0.50
Highest unrelated pairs: (7, 30) 0.40 and (8, 20) 0.32 (both about a same sub-topic, « conseil
d'administration », « subventions publiques »), then (14, 31) 0.23; lowest paraphrase pair 0.27.
"""

from __future__ import annotations

import itertools
import random
import time

import pytest

from app.synthesis_text import DEFAULT_THRESHOLD, Candidate, Suggestion, normalise, suggest

REALISTIC_NOTES = [
    (1, 1, "Mutualiser la comptabilité entre plusieurs associations du quartier"),
    (2, 2, "Mutualisation des fonctions support (compta, paie) entre structures"),
    (
        3,
        4,
        "Un groupement d'employeurs pour partager un comptable et la gestion de la paie entre associations",
    ),
    (4, 1, "Créer un fonds de dotation pour collecter des dons d'entreprises"),
    (5, 3, "Le fonds de dotation permet de recevoir le mécénat des entreprises du territoire"),
    (6, 2, "Difficulté à renouveler les bénévoles dans les instances dirigeantes"),
    (7, 5, "Le renouvellement des bénévoles au conseil d'administration est difficile"),
    (8, 3, "La commande publique remplace peu à peu les subventions de fonctionnement"),
    (
        9,
        6,
        "Les subventions de fonctionnement reculent au profit des appels d'offres et de la commande publique",
    ),
    (10, 1, "Partager un tiers-lieu avec d'autres associations pour réduire le coût des loyers"),
    (11, 4, "Louer ensemble des locaux dans un tiers lieu pour diminuer les loyers"),
    (12, 2, "Le DLA nous a accompagnés pour revoir notre modèle économique"),
    (13, 5, "Accompagnement DLA sur le modèle socio-économique de l'association : très utile"),
    (
        14,
        6,
        "Se faire accompagner par le dispositif local d'accompagnement (DLA) pour diversifier nos ressources",
    ),
    (15, 3, "Convention pluriannuelle d'objectifs signée avec la commune sur trois ans"),
    (16, 4, "Signer une convention pluriannuelle avec la collectivité pour sécuriser les financements"),
    (17, 1, "Cooperation entre associations et collectivites pour co-construire les politiques publiques"),
    (18, 5, "La coopération des associations avec les collectivités pour co-construire l'action publique"),
    (19, 2, "Diversifier les sources de financement pour moins dépendre des subventions"),
    (20, 6, "Trop dépendants des subventions publiques : il faut diversifier nos financements"),
    (21, 3, "Le mécénat de compétences : des salariés d'entreprise viennent aider l'association"),
    (22, 5, "Accueillir des salariés en mécénat de compétences pour renforcer l'équipe"),
    (23, 1, "Vendre des prestations de formation pour augmenter nos ressources propres"),
    (24, 2, "Les cotisations des adhérents couvrent une faible part du budget"),
    (25, 3, "Une campagne de financement participatif pour acheter un minibus"),
    (26, 4, "Mesurer l'impact social pour convaincre les financeurs"),
    (27, 5, "Recruter des jeunes en service civique pour animer la vie associative"),
    (28, 6, "Les fonds européens (FSE) sont trop lourds à gérer administrativement"),
    (29, 1, "Louer nos salles le week-end pour générer des recettes"),
    (30, 6, "Le conseil d'administration se réunit trop rarement"),
    (31, 3, "Accompagnement des jeunes vers l'emploi sur le territoire"),
    (32, 2, "Mutualiser un minibus entre trois clubs sportifs"),
    (33, 4, "Les élus de la commune connaissent mal le fonctionnement des associations"),
    (34, 5, "Former les bénévoles à la gestion financière"),
]
# Notes that say nearly the same thing, each set from different groups.
PARAPHRASES = [
    (1, 2, 3),
    (4, 5),
    (6, 7),
    (8, 9),
    (10, 11),
    (12, 13, 14),
    (15, 16),
    (17, 18),
    (19, 20),
    (21, 22),
]
CLEAR_PAIRS = [(4, 5), (6, 7), (8, 9), (10, 11), (12, 13), (15, 16), (17, 18), (19, 20), (21, 22)]
# Share a word, not an idea.
CLEARLY_UNRELATED = [
    (14, 31),  # accompagnement: DLA vs young people into jobs
    (12, 31),
    (1, 32),  # mutualiser: accounting vs a minibus
    (25, 32),  # minibus: crowdfunding vs sharing it
    (6, 34),  # bénévoles: renewal vs training
    (3, 34),  # gestion
    (27, 31),  # jeunes
    (4, 28),  # fonds: endowment fund vs European funds
    (5, 28),
    (11, 29),  # louer: shared premises vs renting rooms out
    (8, 33),  # fonctionnement
    (15, 33),  # commune
    (23, 14),  # ressources
]


def _candidates(rows: list[tuple[int, int, str]]) -> list[Candidate]:
    return [Candidate(id=note_id, group=group, text=text) for note_id, group, text in rows]


def _together(suggestions: list[Suggestion]) -> set[frozenset[int]]:
    """Every pair of notes put in one suggestion."""
    return {frozenset(pair) for found in suggestions for pair in itertools.combinations(found.ids, 2)}


def _expected_pairs() -> set[frozenset[int]]:
    return {frozenset(pair) for ids in PARAPHRASES for pair in itertools.combinations(ids, 2)}


# --- normalise ---------------------------------------------------------------------------------


def test_accents_and_case_are_ignored() -> None:
    assert normalise("COOPÉRATION") == normalise("cooperation") == normalise("Coopération")
    assert normalise("collectivités") == normalise("Collectivites") == normalise("COLLECTIVITÉS")
    assert normalise("Œuvre") == normalise("oeuvre")
    assert normalise("bénévoles") == normalise("benevoles")


def test_plural_and_verb_forms_share_a_stem() -> None:
    forms = ["coopération", "coopérations", "coopérer", "cooperation", "coopéré"]
    assert len({tuple(normalise(form)) for form in forms}) == 1
    assert normalise("mutualiser") == normalise("mutualisation") == normalise("mutualisées")
    assert normalise("bénévole") == normalise("bénévoles")
    assert normalise("financement") == normalise("financements")
    assert len(normalise("coopérations")) == 1


def test_elisions_and_stop_words_are_dropped() -> None:
    assert normalise("l'association") == normalise("association") == normalise("associations")
    assert normalise("d'habitants") == normalise("habitants") == normalise("habitant")
    assert normalise("l’association") == normalise("association")  # typographic apostrophe
    assert normalise("Nous avons été très, très surpris qu'il y ait eu des élus") == normalise("surpris élus")
    assert normalise("le la les de des et à où est sont ont fait faisaient aurait sera") == []


def test_digits_kept_and_one_character_tokens_dropped() -> None:
    assert normalise("ODD 17, 3 projets") == ["odd", "17", *normalise("projets")]
    assert "x" not in normalise("x y z")


def test_sticky_note_shorthands_are_expanded() -> None:
    assert normalise("compta") == normalise("comptabilité")
    assert normalise("les assos") == normalise("les associations")
    assert normalise("le CA") == normalise("le conseil d'administration")
    assert normalise("ça marche") == normalise("marche")  # « ça » is not the CA


def test_collectivity_is_not_collecting() -> None:
    assert normalise("collectivités") != normalise("collecter")


# --- suggest: rules ----------------------------------------------------------------------------


def test_empty_and_single_note_return_nothing() -> None:
    assert suggest([]) == []
    assert suggest([Candidate(id=1, group=1, text="Mutualiser la comptabilité")]) == []
    two = [Candidate(1, 1, "Mutualiser la comptabilité"), Candidate(2, 2, "Mutualiser la comptabilité")]
    assert suggest(two, limit=0) == []


def test_pair_from_the_same_group_is_never_suggested() -> None:
    same = [
        Candidate(1, 7, "Mutualiser la comptabilité entre associations"),
        Candidate(2, 7, "Mutualiser la comptabilité entre associations"),
    ]
    assert suggest(same) == []
    with_other = [*same, Candidate(3, 8, "Mutualiser la comptabilité entre associations")]
    found = suggest(with_other)
    assert len(found) == 1
    assert found[0].ids in {(1, 3), (2, 3)}


def test_every_suggestion_spans_different_groups() -> None:
    notes = _candidates(REALISTIC_NOTES)
    groups = {note.id: note.group for note in notes}
    found = suggest(notes, threshold=0.1)
    assert found
    for suggestion in found:
        assert len(suggestion.ids) >= 2
        assert len({groups[note_id] for note_id in suggestion.ids}) == len(suggestion.ids)
    seen = [note_id for suggestion in found for note_id in suggestion.ids]
    assert len(seen) == len(set(seen)), "a note is in one suggestion at most"


def test_dismissed_pairs_are_not_suggested_again() -> None:
    notes = _candidates(REALISTIC_NOTES)
    assert frozenset({17, 18}) in _together(suggest(notes))
    assert frozenset({12, 13}) in _together(suggest(notes))
    dismissed = {frozenset({17, 18}), frozenset({12, 13})}
    together = _together(suggest(notes, exclude_pairs=dismissed))
    assert not dismissed & together
    # The rest of the DLA set is still offered.
    assert frozenset({12, 14}) in together


def test_dismissing_a_stronger_false_link_brings_the_paraphrase_back() -> None:
    notes = _candidates(REALISTIC_NOTES)
    assert frozenset({6, 7}) not in _together(suggest(notes))
    assert frozenset({6, 7}) in _together(suggest(notes, exclude_pairs={frozenset({7, 30})}))


def test_a_chain_is_not_one_suggestion() -> None:
    # A~B and B~C but A and C have nothing in common: never all three together.
    notes = [
        Candidate(1, 1, "fonds de dotation mécénat"),
        Candidate(2, 2, "fonds de dotation mécénat tiers-lieu loyers locaux"),
        Candidate(3, 3, "tiers-lieu loyers locaux"),
        Candidate(4, 4, "service civique jeunes"),
        Candidate(5, 5, "groupement employeurs paie"),
    ]
    found = suggest(notes)
    assert [suggestion.ids for suggestion in found] == [(2, 3)]  # the stronger link wins note 2
    # The weaker link exists: once (2, 3) is dismissed, A and B are suggested.
    assert [s.ids for s in suggest(notes, exclude_pairs={frozenset({2, 3})})] == [(1, 2)]


def test_limit_threshold_and_ids_are_checked() -> None:
    notes = _candidates(REALISTIC_NOTES)
    assert len(suggest(notes, threshold=0.1, limit=3)) == 3
    assert len(suggest(notes, threshold=0.99)) == 0
    with pytest.raises(ValueError, match="unique"):
        suggest([Candidate(1, 1, "a"), Candidate(1, 2, "b")])
    with pytest.raises(ValueError, match="threshold"):
        suggest(notes, threshold=0)


# --- suggest: quality on the realistic set -----------------------------------------------------


def test_realistic_paraphrases_are_suggested_and_unrelated_notes_are_not() -> None:
    together = _together(suggest(_candidates(REALISTIC_NOTES)))
    # (6, 7) is the one known miss (see the module docstring); every other clear pair is found.
    missing = [pair for pair in CLEAR_PAIRS if frozenset(pair) not in together and pair != (6, 7)]
    assert missing == []
    wrong = [pair for pair in CLEARLY_UNRELATED if frozenset(pair) in together]
    assert wrong == []


def test_clear_pairs_reach_the_default_threshold() -> None:
    # Each clear pair alone against the rest of the set (others dismissed): all score above the default.
    notes = _candidates(REALISTIC_NOTES)
    for pair in CLEAR_PAIRS:
        others = {frozenset({pair[0], note.id}) for note in notes} | {
            frozenset({pair[1], note.id}) for note in notes
        }
        others.discard(frozenset(pair))
        found = [s for s in suggest(notes, exclude_pairs=others) if set(pair) <= set(s.ids)]
        assert found, pair
        assert found[0].score >= DEFAULT_THRESHOLD


def test_precision_and_recall_of_the_default_threshold() -> None:
    together = _together(suggest(_candidates(REALISTIC_NOTES)))
    expected = _expected_pairs()
    precision = len(together & expected) / len(together)
    recall = len(together & expected) / len(expected)
    print(f"precision {precision:.2f}, recall {recall:.2f} at threshold {DEFAULT_THRESHOLD}")
    assert precision >= 0.9
    assert recall >= 0.9


def test_shared_words_are_readable_words_the_notes_used() -> None:
    found = {s.ids: s for s in suggest(_candidates(REALISTIC_NOTES))}
    cooperation = found[(17, 18)]
    assert "coopération" in cooperation.shared  # the accented spelling, though note 17 has none
    assert "collectivités" in cooperation.shared
    assert "les" not in cooperation.shared
    assert len(cooperation.shared) <= 5
    assert set(found[(4, 5)].shared) == {"fonds", "dotation", "entreprises"}


def test_order_is_deterministic_and_by_score() -> None:
    notes = _candidates(REALISTIC_NOTES)
    reference = suggest(notes, threshold=0.15)
    assert [s.score for s in reference] == sorted((s.score for s in reference), reverse=True)
    rng = random.Random(5)
    for _ in range(5):
        shuffled = notes[:]
        rng.shuffle(shuffled)
        assert suggest(shuffled, threshold=0.15) == reference


# --- budget --------------------------------------------------------------------------------------

_DOMAIN_TEXT = """territoire collectivité commune intercommunalité département région association fondation
entreprise bénévole bénévoles salarié salariés adhérents usagers habitants jeunes partenaires financeurs élus
subvention subventions financement financements mécénat dons cotisations recettes ressources budget trésorerie
projet projets action actions dispositif appel appels marché marchés convention conventions contrat mutualiser
mutualisation partager partage coopérer coopération fédérer réseau réseaux alliance alliances gouvernance
conseil administration bureau assemblée instances décision stratégie vision valeurs accompagnement accompagner
formation former compétences emploi emplois recrutement fidéliser tiers-lieu locaux loyer salle matériel
véhicule outil outils numérique communication visibilité évaluer évaluation impact utilité sociale indicateurs
rapport bilan diagnostic modèle économique hybridation diversifier diversification autonomie dépendance
fragilité pérennité sécuriser commande publique délégation service prestation prestations vendre facturer
tarif tarifs quartier rural ville politique politiques sociale solidaire culture sport environnement santé
"""
_FILLERS = "le la les des de du un une et pour avec dans sur par en au aux nos est sont ont"


def _synthetic_notes(count: int, groups: int, seed: int = 7) -> list[Candidate]:
    """Notes drawn from the workshop vocabulary with a skewed word frequency: many shared words,
    so many more links above the threshold than real notes would give (a pessimistic load)."""
    rng = random.Random(seed)
    vocabulary = sorted(
        {*_DOMAIN_TEXT.split(), *(w for _i, _g, text in REALISTIC_NOTES for w in text.split())}
    )
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(vocabulary))]
    rng.shuffle(weights)
    fillers = _FILLERS.split()
    notes = []
    for index in range(count):
        words: list[str] = []
        for word in rng.choices(vocabulary, weights=weights, k=rng.randint(4, 14)):
            words += [rng.choice(fillers), word] if rng.random() < 0.6 else [word]
        notes.append(Candidate(id=index + 1, group=index % groups, text=" ".join(words)))
    return notes


def test_5000_notes_within_the_time_budget() -> None:
    notes = _synthetic_notes(5000, groups=100)
    started = time.perf_counter()
    found = suggest(notes)
    elapsed = time.perf_counter() - started
    print(f"suggest() on 5,000 notes: {elapsed:.2f} s, {len(found)} suggestions")
    # The budget is 2 s on the project machine; the margin absorbs a busy shared CI host.
    assert elapsed < 5.0
    assert len(found) == 50
