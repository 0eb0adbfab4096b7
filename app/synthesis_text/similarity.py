"""Suggest notes of different peer groups that say nearly the same thing (French-aware TF-IDF).

Pure Python and numpy: no Flask, no SQL, no external service. Text goes through `normalise`
(case and accent folding, French stop words, Snowball French stemming), notes become TF-IDF
vectors (idf smoothed over the notes given), pairs of notes from different groups whose cosine
similarity reaches the threshold are linked, and links are grouped greedily, strongest first,
into suggestions where every note is linked to every other one (so no chain A~B~C where A and C
have nothing in common) and a note appears in one suggestion only.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence, Set
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import snowballstemmer  # type: ignore[import-untyped]

# Cosine similarity of TF-IDF vectors. Chosen on the realistic workshop notes of tests/test_similarity.py
# (measured precision and recall are in its docstring): every paraphrase pair there scores >= 0.26,
# unrelated notes sharing one common word (« accompagnement », « mutualiser ») stay <= 0.24; at 0.30 the
# paraphrases that share two words of six are lost. A suggestion costs the facilitator one click to
# ignore, a missed one is never seen: the threshold leans towards recall.
DEFAULT_THRESHOLD = 0.25
# A suggestion is read and accepted by a person: past a dozen notes it is a theme, not a duplicate.
MAX_CLUSTER_SIZE = 12
# Bounds the memory of pathological inputs (thousands of identical notes); the strongest links are kept.
MAX_LINKS = 200_000
MAX_SHARED_WORDS = 5
# Products (and dense similarity cells) computed at once: ~8 bytes x 6 arrays each, so ~50 MB at most.
_BLOCK_BUDGET = 1_000_000

# Folded (no accents) forms: the list is checked after accent folding, so « à », « où », « été » and
# their unaccented spellings are all caught. Single letters are the elided forms (l', d', qu'...).
_STOP_WORD_LINES = (
    "a c d j l m n s t y qu",  # elisions
    "au aux du de des la le les un une",  # articles
    "et ou ni mais donc or car si que qui quoi dont comme quand lorsque lorsqu puisque puisqu",
    "ce cet cette ces ca cela ceci celui celle ceux celles ci voici voila",
    "mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs",
    "je me moi tu te toi il ils elle elles on nous vous se soi lui eux en",
    "dans par pour sur sous avec sans chez entre vers contre depuis pendant avant apres selon parmi via",
    "afin parce quelqu jusqu presqu alors ainsi aussi aujourd hui etc co notamment",
    "ne pas plus moins tres trop peu bien tout tous toute toutes deja encore meme memes autre autres",
    "tel telle tels telles chaque quelque quelques plusieurs certain certains certaine certaines",
    "non oui ici souvent toujours jamais rien",
    # être, avoir, faire and the modal verbs: on notes they carry tense, not meaning.
    "etre suis es est sommes etes sont etais etait etions etiez etaient fus fut furent ete etant",
    "serai seras sera serons serez seront serais serait serions seriez seraient",
    "sois soit soyons soyez soient",
    "avoir ai as avons avez ont avais avait avions aviez avaient eu eue eus eut eurent ayant",
    "aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient",
    "aie aies ait ayons ayez aient",
    "faire fais fait faits faite faites faisons font faisais faisait faisions faisiez faisaient faisant",
    "ferai fera ferons ferez feront ferait feraient fasse fassent",
    "peut peux peuvent pouvons pouvez pouvoir pourrait pourraient",
    "doit doivent devons devez devoir faut falloir va vont",
)
FRENCH_STOP_WORDS: frozenset[str] = frozenset(word for line in _STOP_WORD_LINES for word in line.split())

# Shorthands seen on sticky notes, expanded before stop words and stemming so « compta » meets
# « comptabilité ». Keys are folded lower case; the upper-case-only ones are ordinary words once
# lower-cased (« ça » folds to « ca »), so they are matched on the note's own spelling.
_ABBREVIATIONS = {
    "asso": "association",
    "assos": "associations",
    "compta": "comptabilité",
    "subv": "subvention",
    "cpo": "convention pluriannuelle d'objectifs",
    "rh": "ressources humaines",
    "ag": "assemblée générale",
}
_UPPER_CASE_ABBREVIATIONS = {"CA": "conseil d'administration"}

_STEMMER = snowballstemmer.stemmer("french")
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "Œ": "oe", "Æ": "ae"})
# Endings that, unaccented, are always the accented French ending: putting the accent back lets the
# stemmer apply its « -ité », « -ée », « -ère » rules, so « collectivites » typed without accents and
# « collectivités » reach the same stem. Accents are removed first and restored here for both.
_REACCENT = (
    ("ites", "ités"),
    ("ite", "ité"),
    ("ees", "ées"),
    ("ee", "ée"),
    ("eres", "ères"),
    ("ere", "ère"),
    ("yes", "yés"),
    ("ye", "yé"),
)
# Snowball reduces « collectivité » to « collect », the stem of « collecter » (fundraising): both are
# everyday words of this domain, so local authorities keep a stem of their own.
_OWN_STEMS = (("collectivit", "collectiv"),)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Candidate:
    """A note offered to the suggester; `group` is its peer group's id."""

    id: int
    group: int
    text: str


@dataclass(frozen=True)
class Suggestion:
    """Notes of at least two groups that say nearly the same thing, with the words they share."""

    ids: tuple[int, ...]
    score: float
    shared: tuple[str, ...]


@lru_cache(maxsize=65_536)
def _fold(word: str) -> str:
    """Remove accents and spell ligatures out (« cœur » → « coeur »)."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=65_536)
def _stem(folded: str) -> str:
    """Stem an accent-folded word; digits are kept as they are."""
    if folded.isdigit():
        return folded
    for prefix, stem in _OWN_STEMS:
        if folded.startswith(prefix):
            return stem
    for plain, accented in _REACCENT:
        # Short words (« site », « ete ») are left alone: the rule is about suffixes.
        if folded.endswith(plain) and len(folded) > len(plain) + 2:
            folded = folded[: -len(plain)] + accented
            break
    return _fold(str(_STEMMER.stemWord(folded)))


def _words(text: str) -> Iterator[str]:
    """Yield the lower-case words and numbers of `text`, shorthands expanded."""
    # NFKC first so ligatures, full-width letters and decomposed accents tokenise like plain text.
    for token in _TOKEN.findall(unicodedata.normalize("NFKC", text)):
        lower = token.casefold()
        expansion = _UPPER_CASE_ABBREVIATIONS.get(token) or _ABBREVIATIONS.get(_fold(lower))
        if expansion is None:
            yield lower
        else:
            yield from _TOKEN.findall(expansion)


def _analyse(text: str) -> Iterator[tuple[str, str]]:
    """Yield (stem, surface word) for each significant word of `text`, in order."""
    for surface in _words(text):
        folded = _fold(surface)
        if folded in FRENCH_STOP_WORDS:
            continue
        stem = _stem(folded)
        if len(stem) >= 2:
            yield stem, surface


def normalise(text: str) -> list[str]:
    """Return the stems of the significant words of `text` (accents, case, stop words ignored)."""
    return [stem for stem, _surface in _analyse(text)]


class _Corpus:
    """TF-IDF vectors of the notes, stored as sparse entries sorted by note then term."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.vocabulary: dict[str, int] = {}
        # (term, spelling) of each word of each note, to show the shared words as the notes wrote them.
        self.spellings: list[list[tuple[int, str]]] = []
        rows: list[int] = []
        cols: list[int] = []
        counts: list[int] = []
        for row, text in enumerate(texts):
            spelt = [
                (self.vocabulary.setdefault(stem, len(self.vocabulary)), surface)
                for stem, surface in _analyse(text)
            ]
            self.spellings.append(spelt)
            bag = Counter(term for term, _surface in spelt)
            for term in sorted(bag):
                rows.append(row)
                cols.append(term)
                counts.append(bag[term])
        self.size = len(texts)
        self.rows: IntArray = np.asarray(rows, dtype=np.int64)
        self.cols: IntArray = np.asarray(cols, dtype=np.int64)
        self.df: IntArray = np.bincount(self.cols, minlength=len(self.vocabulary)).astype(np.int64)
        # Sublinear tf (a word repeated in one note is not twice as meaningful) and sklearn's smoothed idf.
        idf = np.log((1.0 + self.size) / (1.0 + self.df)) + 1.0
        weights = (1.0 + np.log(np.asarray(counts, dtype=np.float64))) * idf[self.cols]
        norms = np.sqrt(np.bincount(self.rows, weights=weights * weights, minlength=self.size))
        self.weights: FloatArray = weights / np.where(norms > 0, norms, 1.0)[self.rows]

    def note_terms(self, row: int) -> dict[int, float]:
        """Return term → weight for one note."""
        start, end = np.searchsorted(self.rows, [row, row + 1])
        return dict(zip(self.cols[start:end].tolist(), self.weights[start:end].tolist(), strict=True))


def _row_blocks(per_row: FloatArray, size: int, budget: int) -> Iterator[tuple[int, int]]:
    """Split rows into consecutive blocks whose expanded products and dense rows fit the budget."""
    start, load = 0, 0.0
    rows_per_block = max(1, budget // max(size, 1))
    for row, cost in enumerate(per_row.tolist()):
        if row > start and (load + cost > budget or row - start >= rows_per_block):
            yield start, row
            start, load = row, 0.0
        load += cost
    if start < size:
        yield start, size


def _strongest_first(
    first: IntArray, second: IntArray, scores: FloatArray, ids: IntArray, count: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Sort pairs strongest first and keep `count`; equal scores in note-id order (input order is moot)."""
    low, high = np.minimum(ids[first], ids[second]), np.maximum(ids[first], ids[second])
    order = np.lexsort((high, low, -np.round(scores, 6)))[:count]
    return first[order], second[order], scores[order]


def _linked_pairs(
    corpus: _Corpus, groups: IntArray, ids: IntArray, threshold: float
) -> tuple[IntArray, IntArray, FloatArray]:
    """Return (i, j, cosine), strongest first, for pairs i < j of different groups reaching `threshold`."""
    n = corpus.size
    # A word found in one note only adds nothing to any dot product (it already counted in the norm).
    keep = corpus.df[corpus.cols] >= 2
    rows, cols, vals = corpus.rows[keep], corpus.cols[keep], corpus.weights[keep]
    order = np.lexsort((rows, cols))  # column-major: each term's postings, by note
    post_rows, post_vals = rows[order], vals[order]
    col_end = np.cumsum(np.bincount(cols, minlength=len(corpus.vocabulary)))
    # Position p of an entry in the postings; its partners with a larger note index follow it.
    position = np.empty_like(order)
    position[order] = np.arange(order.size)
    partners = col_end[cols] - position - 1
    per_row = np.bincount(rows, weights=partners, minlength=n).astype(np.float64)
    first = second = np.zeros(0, dtype=np.int64)
    scores = np.zeros(0, dtype=np.float64)
    for top, bottom in _row_blocks(per_row, n, budget=_BLOCK_BUDGET):
        start, end = np.searchsorted(rows, [top, bottom])
        count = partners[start:end]
        total = int(count.sum())
        if total == 0:
            continue
        source = np.repeat(np.arange(start, end), count)
        offset = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
        partner = np.repeat(position[start:end] + 1, count) + offset
        key = (rows[source] - top) * n + post_rows[partner]
        products = vals[source] * post_vals[partner]
        dense = np.bincount(key, weights=products, minlength=(bottom - top) * n).reshape(bottom - top, n)
        # Only pairs sharing a word are non-zero (and only for j > i); the tolerance keeps identical notes
        # (cosine 1 up to rounding) above a threshold of 1.
        local, j = np.nonzero((dense > 0) & (dense >= threshold - 1e-9))
        i = local + top
        linked = groups[i] != groups[j]
        first = np.concatenate([first, i[linked]])
        second = np.concatenate([second, j[linked]])
        scores = np.concatenate([scores, dense[local[linked], j[linked]]])
        if scores.size > 2 * MAX_LINKS:
            first, second, scores = _strongest_first(first, second, scores, ids, MAX_LINKS)
    return _strongest_first(first, second, scores, ids, MAX_LINKS)


def _links(
    notes: Sequence[Candidate], corpus: _Corpus, threshold: float, exclude_pairs: Set[frozenset[int]]
) -> dict[tuple[int, int], float]:
    """Return (i, j) → similarity for the pairs of notes that may be suggested together, i < j."""
    groups = np.asarray([note.group for note in notes], dtype=np.int64)
    ids = np.asarray([note.id for note in notes], dtype=np.int64)
    first, second, scores = _linked_pairs(corpus, groups, ids, threshold)
    links = {
        (i, j): min(score, 1.0)
        for i, j, score in zip(first.tolist(), second.tolist(), scores.tolist(), strict=True)
    }
    # Dismissed pairs are dropped from the links, so the two notes never meet in a suggestion again.
    index_of = {note.id: index for index, note in enumerate(notes)}
    for pair in exclude_pairs:
        if len(pair) == 2:
            a, b = sorted(index_of.get(note_id, -1) for note_id in pair)
            links.pop((a, b), None)
    return links


def _join(cluster: list[int], newcomer: int, links: dict[tuple[int, int], float]) -> bool:
    """Add `newcomer` to `cluster` if it is linked to every note already there (and there is room)."""
    if len(cluster) >= MAX_CLUSTER_SIZE:
        return False
    if not all((min(newcomer, member), max(newcomer, member)) in links for member in cluster):
        return False
    cluster.append(newcomer)
    return True


def _clusters(links: dict[tuple[int, int], float]) -> list[list[int]]:
    """Group linked notes greedily, strongest link first; a note belongs to one cluster at most."""
    cluster_of: dict[int, int] = {}
    clusters: list[list[int]] = []
    for i, j in links:  # already strongest first
        left, right = cluster_of.get(i), cluster_of.get(j)
        if left is None and right is None:
            cluster_of[i] = cluster_of[j] = len(clusters)
            clusters.append([i, j])
        elif left is None and right is not None and _join(clusters[right], i, links):
            cluster_of[i] = right
        elif right is None and left is not None and _join(clusters[left], j, links):
            cluster_of[j] = left
    return clusters


def _display(spellings: Counter[str]) -> str:
    """Pick how to show a stem: its most written word, accented spelling first (« coopération »)."""
    by_word: Counter[str] = Counter()
    for spelling, count in spellings.items():
        by_word[_fold(spelling)] += count
    word = min(by_word, key=lambda folded: (-by_word[folded], folded))
    variants = [spelling for spelling in spellings if _fold(spelling) == word]
    return min(variants, key=lambda spelling: (-sum(not char.isascii() for char in spelling), spelling))


def _shared_words(corpus: _Corpus, members: list[int]) -> tuple[str, ...]:
    """Return the words shared by most notes of the cluster, most significant first."""
    presence: Counter[int] = Counter()
    weight: dict[int, float] = {}
    spellings: dict[int, Counter[str]] = {}
    for member in members:
        for term, value in corpus.note_terms(member).items():
            presence[term] += 1
            weight[term] = weight.get(term, 0.0) + value
        for term, spelling in corpus.spellings[member]:
            spellings.setdefault(term, Counter())[spelling] += 1
    shared = [term for term, count in presence.items() if count >= 2]
    words = {term: _display(spellings[term]) for term in shared}
    shared.sort(key=lambda term: (-presence[term], -round(weight[term], 9), words[term]))
    return tuple(words[term] for term in shared[:MAX_SHARED_WORDS])


def suggest(
    notes: Sequence[Candidate],
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 50,
    exclude_pairs: Set[frozenset[int]] = frozenset(),
) -> list[Suggestion]:
    """Suggest clusters of notes from different groups saying nearly the same thing, best first.

    `exclude_pairs` holds pairs of note ids a facilitator dismissed: they are never put together again.
    """
    if len({note.id for note in notes}) != len(notes):
        raise ValueError("note ids must be unique")
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    if len(notes) < 2 or limit <= 0:
        return []
    corpus = _Corpus([note.text for note in notes])
    links = _links(notes, corpus, threshold, exclude_pairs)
    ranked: list[tuple[float, tuple[int, ...], list[int]]] = []
    for members in _clusters(links):
        ordered = sorted(members)
        pairs = [links[(a, b)] for index, a in enumerate(ordered) for b in ordered[index + 1 :]]
        score = round(math.fsum(pairs) / len(pairs), 4)
        ranked.append((score, tuple(sorted(notes[member].id for member in members)), ordered))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    # Shared words only for what is returned: they cost more than the clustering itself.
    return [
        Suggestion(ids=ids, score=score, shared=_shared_words(corpus, members))
        for score, ids, members in ranked[:limit]
    ]
