"""Zero-shot topic tagging: compare an article's vector with each topic's prototype vector.

**The article's vector** (:func:`topic_vector`) is the mean of its sentence embeddings plus half
the title's embedding, normalised: a headline says what the story is about, but on its own it
is often a pun or a name, so it counts for less than the body.

**A topic's prototype** is built once per process from its taxonomy entry
(:mod:`worker.nlp.taxonomy`). Each description is cut into its facets, the items it lists
(``Sport - football, tennis and cricket`` has three; a heading before the list is left out).
Each facet is embedded in each of a few news-like phrasings (:data:`FACET_TEMPLATES`, e.g.
``News about <facet>.``); the prototype is the normalised mean, over the phrasings, of each
phrasing's mean facet vector (a prompt ensemble: no one phrasing's quirks decide). A whole
description, a list of words, embeds far from any article; news-like phrases per facet land
where articles on that facet lie (on the AG News and BBC dev sets: 0.75 → 0.85 and 0.92 → 0.95
accuracy). A topic's ``examples`` (texts of the kind it should catch) are averaged into a
second vector, blended into the prototype with the weight ``example_weight`` (0.25 unless the
taxonomy file sets it).

**Terse descriptions lean on IPTC** (:func:`anchored`). A prototype is only as good as its
description: a label alone ("Business") or a few words embed far from most articles on the topic
(on AG News dev, 71.8% with labels alone against 85.5% with this project's one-line lists). So a
flat taxonomy's topic whose prototype matches one of IPTC's 17 top-level terms, as newsworker
describes them (``iptc-mediatopics-top.yaml``), at cosine :data:`ANCHOR_MATCH` or more, and is
the only topic of its taxonomy to match that term, is moved toward the term's prototype as if
the term's description were :data:`ANCHOR_FACETS` more facets of its own: much for a label
alone, little for a description that lists ten things. A taxonomy file turns it off with
``anchor: false``; trees are not anchored.

**Words as evidence.** When the article's text is at hand, each topic also gets the share of its
facets whose words (Snowball-stemmed, stop words left out) occur in the article, weighted by
:data:`LEXICAL_WEIGHT` and added to its cosine. An article that names "vaccines" and
"hospitals" is about health whatever its embedding leans to; the weight is small, so the
embedding still decides between topics whose words both occur. docs/quality.md gives the
effect on three labelled sets.

**What a score means.** Scores are a softmax over the taxonomy of the cosine similarities
divided by a fixed temperature (:data:`TEMPERATURE`). A topic's score is the estimated
probability that it is the article's main topic, so one article's scores sum to 1. On labelled
news (AG News and BBC dev sets, with 4, 5 and the 17 IPTC topics) the temperature that fits the
labels best lies between 0.026 and 0.035 (0.029 to 0.037 with the lexical evidence, on AG News,
BBC and the English part of MasakhaNEWS), and with 0.03 topics scored around 0.3 were the
labelled topic about a third of the time. So ``min_topic_score`` reads as a probability: at the
default 0.2 a topic is listed when there is at least a one-in-five chance that the article is
about it, which gives one topic for a clear story and two or three for one that straddles
topics; ``max_topics`` caps the list. Trained heads (:mod:`worker.nlp.backends.head`) give
scores with the same meaning, from a classifier fitted to labelled articles.

**On a taxonomy tree** (the default IPTC Media Topics, 1,099 terms on four levels) the top level
is scored exactly so, and each top term's probability is shared out over its branch
(:class:`TreeScores`): a term's score is the probability that the article's most specific topic
is that term or one below it. A child never scores above its parent, and ``min_topic_score``
is one threshold at every level. The topics listed are the most specific terms that pass it
within the request's depth (:func:`deepest`), each standing for its path to the top.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
import snowballstemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from worker.nlp.taxonomy import DEFAULT_EXAMPLE_WEIGHT, Taxonomy, TopicDef, Tree, read_taxonomy
from worker.nlp.vectors import unit

Encode = Callable[[Sequence[str]], np.ndarray]
TEMPERATURE = 0.03
TITLE_WEIGHT = 0.5
FACET_TEMPLATES = ("News about {}.", "This is a news report about {}.", "Headlines about {}.")
LEXICAL_WEIGHT = 0.05
OWN_WEIGHT = 0.5  # on a taxonomy tree: a term's own cosine against its ancestors' (TreeScores)
TREE_TEMPERATURE = 0.01  # on a taxonomy tree: the softmax within a top term's branch
ANCHOR_FACETS = 3.0  # an anchor counts as this many facets of a topic's own description
ANCHOR_MATCH = 0.7  # the least cosine between a topic's prototype and the anchor it leans on
FEATURES = "title/2+mean-sentences/v1"  # names the recipe of topic_vector, recorded in heads
HEADING = re.compile(r"\s+-\s+|:\s+")
FACET_SPLIT = re.compile(r"[,;]|\s+and\s+|\s+or\s+")
WORD = re.compile(r"[^\W\d_]+")
STEMMER = snowballstemmer.stemmer("english")


@dataclass(frozen=True)
class ScoredTopic:
    """A topic with its score (0..1), QCode, and place in its taxonomy's tree."""

    label: str
    score: float
    qcode: str | None
    level: int = 1
    broader: str | None = None  # the parent's QCode, or its label when it has none
    wikidata: str | None = None


@dataclass(frozen=True)
class TagInput:
    """An article as taggers see it: its topic vector, and its title and sentences as text."""

    vector: np.ndarray
    texts: tuple[str, ...] = ()  # the title (when there is one), then the sentences
    has_title: bool = False  # whether texts[0] is the title


class Tagger(Protocol):
    """What the pipeline needs from a tagger: what to record in a result, and the tagging."""

    name: str

    def info(self) -> dict[str, str]:
        """How a result names this topic model (taxonomy, head or model)."""
        ...

    def tag(
        self, article: TagInput, max_topics: int, min_score: float, depth: int | None = None
    ) -> list[ScoredTopic]:
        """The best topics for an article, best first; on a tree, none deeper than `depth`."""
        ...


def topic_vector(sentences: np.ndarray, title: np.ndarray | None) -> np.ndarray:
    """The article's vector for tagging: mean sentence vector plus half the title's, normalised."""
    vector = unit(sentences.mean(axis=0)) if len(sentences) else np.zeros(sentences.shape[1])
    if title is not None:
        vector = vector + TITLE_WEIGHT * title
    return unit(vector)


def facets(description: str) -> list[str]:
    """The items a description lists: ``Sport - football, golf and tennis`` → three facets.

    A heading before `` - `` or ``: `` is left out when a list follows it: the items say more
    than a broad heading that overlaps with other topics' headings.
    """
    heading, *rest = HEADING.split(description, maxsplit=1)
    body = rest[0] if rest and rest[0].strip() else heading
    parts = (part.strip(" .\t\n") for part in FACET_SPLIT.split(body))
    return [part for part in parts if part] or [description.strip()]


def topic_facets(topic: TopicDef) -> list[str]:
    """The facets of all of a topic's descriptions, in order."""
    return [f for description in topic.descriptions for f in facets(description)]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax along the last axis, stable for large logits."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=-1, keepdims=True), dtype=np.float32)


def select_topics(
    probabilities: np.ndarray,
    labels: Sequence[str],
    qcodes: Sequence[str | None],
    max_topics: int,
    min_score: float,
) -> list[ScoredTopic]:
    """Topics scoring at least `min_score`, best first, at most `max_topics`; scores rounded."""
    return [
        ScoredTopic(labels[i], round(float(probabilities[i]), 4), qcodes[i])
        for i in _best(probabilities, max_topics, min_score)
    ]


def _best(scores: np.ndarray, max_topics: int, min_score: float) -> list[int]:
    order = np.argsort(-scores, kind="stable")[: max(max_topics, 0)]
    return [int(i) for i in order if scores[i] >= min_score]


def deepest(
    scores: np.ndarray,
    tree: TreeScores,
    *,
    max_topics: int,
    min_score: float,
    depth: int,
) -> list[int]:
    """On a tree: the terms scoring at least `min_score` at level `depth` or above, of which
    none below also qualifies, best first, at most `max_topics`. Scores never grow downward,
    so each listed term stands for its path (its ``broader`` chain), and two listed terms are
    two paths; with `min_score` 0, every path runs to its deepest term within `depth`."""
    qualifies = (scores >= min_score) & (tree.levels <= depth)
    alone = tree.subtree_sums(qualifies.astype(np.float64)) == 1  # none below qualifies
    chosen = np.flatnonzero(qualifies & alone)
    order = chosen[np.argsort(-scores[chosen], kind="stable")]
    return [int(i) for i in order[: max(max_topics, 0)]]


@dataclass(frozen=True)
class Anchors:
    """Well-described topics (IPTC's top level) that a flat taxonomy's terse topics lean on."""

    matrix: np.ndarray  # one unit prototype per topic


def anchored(prototypes: np.ndarray, facet_counts: Sequence[int], anchors: Anchors) -> np.ndarray:
    """Each prototype moved toward the anchor it matches best, when the match reaches
    :data:`ANCHOR_MATCH` and no other topic's best match above it is the same anchor; the
    anchor weighs as :data:`ANCHOR_FACETS` facets against the topic's own `facet_counts`."""
    similarity = prototypes @ anchors.matrix.T
    best = similarity.argmax(axis=1)
    matched = similarity[np.arange(len(best)), best] >= ANCHOR_MATCH
    claims = np.bincount(best[matched], minlength=len(anchors.matrix))
    moved = prototypes.copy()
    for i, (anchor, count) in enumerate(zip(best, facet_counts, strict=True)):
        if matched[i] and claims[anchor] == 1:
            moved[i] = unit(prototypes[i] + ANCHOR_FACETS / max(count, 1) * anchors.matrix[anchor])
    return moved


class ZeroShotTagger:
    """Scores an article vector against a taxonomy's topic prototypes."""

    def __init__(
        self,
        topics: list[TopicDef],
        encode: Encode,
        name: str = "taxonomy",
        example_weight: float = DEFAULT_EXAMPLE_WEIGHT,
        anchors: Anchors | None = None,
    ) -> None:
        self.topics = topics
        self.name = name
        self.labels = [t.label for t in topics]
        self.qcodes = [t.qcode for t in topics]
        groups = [topic_facets(t) for t in topics]
        self.matrix = _prototypes(topics, groups, encode, example_weight)
        is_tree = any(t.broader for t in topics)
        if anchors is not None and not is_tree:
            self.matrix = anchored(self.matrix, [len(group) for group in groups], anchors)
        self.facet_stems = [[stems([f]) for f in group] for group in groups]
        self.tree = TreeScores.of(topics, self.matrix) if is_tree else None
        qcode_of = {t.label: t.qcode or t.label for t in topics}
        self.parents = [qcode_of[t.broader] if t.broader else None for t in topics]

    @classmethod
    def from_file(
        cls, path: Path, encode: Encode, anchors: Anchors | None = None
    ) -> ZeroShotTagger:
        """A tagger for a taxonomy file, named by the file's stem (:meth:`of_taxonomy`)."""
        return cls.of_taxonomy(read_taxonomy(path), encode, anchors)

    @classmethod
    def of_taxonomy(
        cls, taxonomy: Taxonomy, encode: Encode, anchors: Anchors | None = None
    ) -> ZeroShotTagger:
        """A tagger for a taxonomy as read; a flat one leans on `anchors` unless the file says
        ``anchor: false``."""
        chosen = anchors if taxonomy.anchor else None
        return cls(taxonomy.topics, encode, taxonomy.name, taxonomy.example_weight, chosen)

    def anchors(self) -> Anchors:
        """This taxonomy's prototypes, for other taxonomies to lean on."""
        return Anchors(self.matrix)

    def scores(self, vector: np.ndarray, texts: Sequence[str] = ()) -> np.ndarray:
        """A probability per topic: softmax over the temperature of the cosine similarities,
        plus the lexical evidence when the article's `texts` are given. On a tree the top
        level is scored so, and each term's score covers its subtree (:class:`TreeScores`)."""
        cosines = self.matrix @ vector
        top = np.arange(len(cosines)) if self.tree is None else self.tree.tops
        logits = cosines[top]
        if texts:
            logits = logits + LEXICAL_WEIGHT * self.lexical(texts, top)
        probabilities = softmax(logits / TEMPERATURE)
        if self.tree is None:
            return probabilities
        return self.tree.probabilities(cosines, vector, probabilities)

    def lexical(self, texts: Sequence[str], topics: Iterable[int] | None = None) -> np.ndarray:
        """Per topic (all, or those indexed by `topics`), the share of its facets with a word
        that occurs in `texts` (0..1)."""
        words = stems(texts)
        chosen = range(len(self.facet_stems)) if topics is None else topics
        return np.array(
            [np.mean([bool(facet & words) for facet in self.facet_stems[i]]) for i in chosen],
            dtype=np.float32,
        )

    def info(self) -> dict[str, str]:
        """Results tagged zero-shot name the taxonomy."""
        return {"taxonomy": self.name}

    def tag(
        self, article: TagInput, max_topics: int, min_score: float, depth: int | None = None
    ) -> list[ScoredTopic]:
        """The best topics, best first: at most `max_topics`, each scoring at least `min_score`;
        on a tree, the most specific such terms no deeper than `depth` (:func:`deepest`)."""
        scores = self.scores(article.vector, article.texts)
        if self.tree is None:
            chosen = _best(scores, max_topics, min_score)
        else:
            depth = int(self.tree.levels.max()) if depth is None else depth
            chosen = deepest(
                scores,
                self.tree,
                max_topics=max_topics,
                min_score=min_score,
                depth=depth,
            )
        return [self._scored(int(i), float(scores[i])) for i in chosen]

    def _scored(self, i: int, score: float) -> ScoredTopic:
        topic = self.topics[i]
        return ScoredTopic(
            topic.label, round(score, 4), topic.qcode, topic.level, self.parents[i], topic.wikidata
        )


@dataclass(frozen=True)
class TreeScores:
    """Scores on a taxonomy tree: for each term, the probability that the article's most
    specific topic is that term or one below it, so a child never scores above its parent.

    Built in two stages. **The top level** is scored as a flat taxonomy is (cosine with the top
    terms' prototypes, their lexical evidence, softmax at :data:`TEMPERATURE`): the top terms'
    scores keep the meaning and the accuracy they have without the tree. **Within each top
    term's branch**, a softmax at :data:`TREE_TEMPERATURE` over the branch's path logits shares
    out the top term's probability; a term's score is the sum over itself and its descendants.

    A term's path logit is :data:`OWN_WEIGHT` × its own cosine plus the rest × the mean cosine
    of its ancestors' subtree vectors (a top term: its own subtree vector); a subtree vector is
    the term's prototype plus the mean of its descendants', normalised. So "interest rate" wins
    only where the economy and macro economics do too. docs/quality.md gives the measurements.
    """

    subtree: np.ndarray  # topics × dimensions
    ancestors: np.ndarray  # topics × (depth - 1): each term's ancestors, nearest first; -1 pads
    upper: np.ndarray  # topics × (depth - 1): whose subtree cosines make a term's upper logit
    weights: np.ndarray  # the same shape: 1/n for each of a term's n ancestors, 0 for padding
    levels: np.ndarray  # each term's level: 1 at the top
    tops: np.ndarray  # the indices of the top-level terms
    branches: tuple[np.ndarray, ...]  # per top term (in `tops` order), the indices of its branch

    @classmethod
    def of(cls, topics: Sequence[TopicDef], matrix: np.ndarray) -> TreeScores:
        """Built once per tagger from the topics (parents resolved) and their prototypes."""
        tree, index = Tree.of(topics), {t.label: i for i, t in enumerate(topics)}
        lineages = [[index[a] for a in tree.lineage(t.label)[1:]] for t in topics]
        width = max(1, *(len(line) for line in lineages))
        ancestors = np.full((len(topics), width), -1)
        for i, line in enumerate(lineages):
            ancestors[i, : len(line)] = line
        upper = np.where(ancestors >= 0, ancestors, 0)
        upper[:, 0] = np.where(ancestors[:, 0] >= 0, ancestors[:, 0], np.arange(len(topics)))
        weights = (ancestors >= 0).astype(np.float32)
        weights[:, 0] = 1.0  # a top term counts its own subtree vector
        weights /= weights.sum(axis=1, keepdims=True)
        tops = np.flatnonzero(ancestors[:, 0] < 0)
        root = np.array([line[-1] if line else i for i, line in enumerate(lineages)])
        branches = tuple(np.flatnonzero(root == top) for top in tops)
        levels = (ancestors >= 0).sum(axis=1) + 1
        subtree = _subtree_vectors(matrix, ancestors)
        return cls(subtree, ancestors, upper, weights, levels, tops, branches)

    def path_logits(self, own: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Each term's path logit from its own cosines `own` and the article `vector`."""
        upper = ((self.subtree @ vector)[self.upper] * self.weights).sum(axis=1)
        return np.asarray(OWN_WEIGHT * own + (1 - OWN_WEIGHT) * upper, dtype=np.float32)

    def probabilities(self, own: np.ndarray, vector: np.ndarray, top: np.ndarray) -> np.ndarray:
        """Each term's score from its own cosines, the article and the top terms' scores."""
        logits = self.path_logits(own, vector)
        point = np.zeros(len(own), dtype=np.float32)
        for probability, branch in zip(top, self.branches, strict=True):
            point[branch] = probability * softmax(logits[branch] / TREE_TEMPERATURE)
        return np.asarray(self.subtree_sums(point), dtype=np.float32)

    def subtree_sums(self, values: np.ndarray) -> np.ndarray:
        """Each term's value plus its descendants' (every term adds its value to its ancestors)."""
        total = values.astype(np.float64)
        for column in self.ancestors.T:
            known = column >= 0
            total += np.bincount(column[known], weights=values[known], minlength=len(values))
        return total


def _subtree_vectors(matrix: np.ndarray, ancestors: np.ndarray) -> np.ndarray:
    """Each term's prototype plus the mean of its descendants' prototypes, normalised (a term
    without descendants: its prototype)."""
    sums, counts = np.zeros_like(matrix), np.zeros(len(matrix))
    for column in ancestors.T:
        known = np.flatnonzero(column >= 0)
        np.add.at(sums, column[known], matrix[known])
        np.add.at(counts, column[known], 1.0)
    subtree = matrix.copy()
    below = counts > 0
    subtree[below] = matrix[below] + sums[below] / counts[below, None]
    return np.stack([unit(row) for row in subtree])


def stems(texts: Iterable[str]) -> set[str]:
    """The Snowball (English) stems of the words in `texts`, without English stop words."""
    return {
        _stem(word)
        for text in texts
        for word in WORD.findall(text.lower())
        if word not in ENGLISH_STOP_WORDS
    }


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(STEMMER.stemWord(word))


def _prototypes(
    topics: list[TopicDef], groups: list[list[str]], encode: Encode, example_weight: float
) -> np.ndarray:
    """One unit vector per topic from its facets (`groups`, in topic order) and examples; every
    text is encoded in a single batch."""
    phrases = [tpl.format(f) for group in groups for tpl in FACET_TEMPLATES for f in group]
    examples = [e for t in topics for e in t.examples]
    vectors = encode(phrases + examples)
    phrase_vectors, example_vectors = vectors[: len(phrases)], vectors[len(phrases) :]
    rows, start, example_start = [], 0, 0
    for topic, group in zip(topics, groups, strict=True):
        block = phrase_vectors[start : start + len(FACET_TEMPLATES) * len(group)]
        start += len(block)
        per_template = block.reshape(len(FACET_TEMPLATES), len(group), -1).mean(axis=1)
        prototype = unit(unit(per_template).mean(axis=0))
        if topic.examples:
            stop = example_start + len(topic.examples)
            example = unit(example_vectors[example_start:stop].mean(axis=0))
            prototype = (1 - example_weight) * prototype + example_weight * example
            example_start = stop
        rows.append(unit(prototype))
    return np.stack(rows)
