"""Hierarchical scores for topic labels on a taxonomy tree (IPTC Media Topics, or a user's).

The rules, which the issue's figures use too:

- Terms: a gold label or a prediction is looked up in the tree by QCode, then by label (case
  folded); a gold label the tree does not know is counted as unmapped and left out.
- Sets closed under ``broader``: each item's gold terms and its predicted terms (the result's
  topics) bring all their ancestors, so a guess next to the gold term earns credit for the
  ancestors they share ("interest rate" for gold "foreign exchange market": the economy).
- hP = Σ|P̂ ∩ Ĝ| / Σ|P̂| and hR = Σ|P̂ ∩ Ĝ| / Σ|Ĝ| over items (micro), hF1 their harmonic
  mean, ×100; 0 when a denominator is 0.
- exact@k: the share of items (×100) with a gold term among the first k predictions.
- Per-level accuracy: for each level L, over the items whose first gold term reaches level L,
  the share (×100) whose first prediction has the same ancestor at level L.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from worker.nlp.taxonomy import Tree, read_taxonomy
from worker.tools.evaluation.scores import micro_prf


def tree_of(path: Path) -> Tree | None:
    """The tree of a taxonomy file, or None when it is flat (every topic at the top)."""
    topics = read_taxonomy(path).topics
    return Tree.of(topics) if any(t.level > 1 for t in topics) else None


def score_hierarchy(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], tree: Tree, k: int = 3
) -> dict[str, Any]:
    """hP, hR, hF1, exact@k and per-level accuracy of ranked predictions against gold labels."""
    tally = _Tally()
    for labels, ranked in zip(gold, predicted, strict=True):
        tally.unmapped.update(label for label in labels if tree.term(label) is None)
        terms = [t for t in map(tree.term, labels) if t is not None]
        if terms:
            tally.add(tree, terms, [t for t in map(tree.term, ranked) if t is not None], k)
    return tally.section(k)


@dataclass
class _Tally:
    """Counts summed over items."""

    matched: int = 0
    predicted: int = 0
    gold: int = 0
    exact: int = 0
    hits: Counter[int] = field(default_factory=Counter)  # level → first guess right there
    reached: Counter[int] = field(default_factory=Counter)  # level → items whose gold gets there
    unmapped: Counter[str] = field(default_factory=Counter)

    def add(self, tree: Tree, terms: list[str], guesses: list[str], k: int) -> None:
        """One item: its gold terms and its ranked guesses, both known to the tree."""
        gold_set, pred_set = tree.closure(terms), tree.closure(guesses)
        self.matched += len(gold_set & pred_set)
        self.predicted += len(pred_set)
        self.gold += len(gold_set)
        self.exact += bool(set(terms) & set(guesses[:k]))
        for level in range(1, tree.levels[terms[0]] + 1):
            self.reached[level] += 1
            shared = guesses and tree.at_level(guesses[0], level) == tree.at_level(terms[0], level)
            self.hits[level] += bool(shared)

    def section(self, k: int) -> dict[str, Any]:
        """The report's scores ×100, with counts."""
        p, r, f1 = micro_prf(self.matched, self.predicted, self.gold)
        items = self.reached.get(1, 0)  # every scored item reaches level 1
        return {
            "hp": p,
            "hr": r,
            "hf1": f1,
            f"exact_at_{k}": round(100 * self.exact / items, 2) if items else 0.0,
            "items": items,
            "levels": {
                level: {"accuracy": round(100 * self.hits[level] / n, 2), "items": n}
                for level, n in sorted(self.reached.items())
            },
            "unmapped": dict(self.unmapped.most_common()),
        }
