"""Themes: groups of answers that use the same words, found with TF-IDF and NMF (scikit-learn).

The same answers always give the same themes: NMF starts from NNDSVDA (no randomness) with a fixed
`random_state`, and when a corpus is large the model is fitted on a sample chosen by answer id, not
by chance. Every answer with terms is then placed in the theme its words weigh most in, so counts
cover all answers, not only the sample.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfTransformer
from threadpoolctl import threadpool_limits

MAX_THEMES = 6
MIN_THEME_ANSWERS = 3
"""Fewer answers than this in a corpus (or per theme on average) are too few to find a theme in."""
FIT_SAMPLE = 2_500
MAX_FEATURES = 2_000
"""The terms in most answers; rarer ones cannot shape a theme that needs several people anyway."""
MAX_DOCUMENT_SHARE = 0.9
"""A term in more answers than this share says nothing about which kind of help an answer describes."""
LABEL_TERMS = 2
THEME_TERMS = 8
RANDOM_STATE = 0
MAX_ITERATIONS = 200

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Theme:
    terms: list[str]
    """Strongest first; the first `LABEL_TERMS` make its label."""
    rows: IntArray
    """Rows of the corpus given to `find_themes` that belong to this theme, strongest first."""

    @property
    def label(self) -> str:
        return " · ".join(self.terms[:LABEL_TERMS])


def find_themes(terms: sparse.csr_matrix, vocabulary: list[str], answer_ids: IntArray) -> list[Theme] | None:
    """Themes in the answers `terms` (rows: answers, columns: `vocabulary`); None when too few answers say
    anything. Themes come largest first; privacy rules are the caller's."""
    counts = (terms > 0).astype(np.float32)
    frequency = np.asarray(counts.sum(axis=0)).ravel()
    talking = np.asarray(counts.sum(axis=1)).ravel() > 0
    documents = int(talking.sum())
    if documents < MIN_THEME_ANSWERS:
        return None
    usable = np.flatnonzero((frequency >= 2) & (frequency <= max(2.0, MAX_DOCUMENT_SHARE * documents)))
    keep = np.sort(usable[np.argsort(-frequency[usable], kind="stable")[:MAX_FEATURES]])
    if keep.size == 0:
        return None
    kept = terms[:, keep]
    sample = _sample(answer_ids, np.flatnonzero(np.asarray(kept.sum(axis=1)).ravel() > 0))
    if sample.size < MIN_THEME_ANSWERS:
        return None
    tfidf = TfidfTransformer(sublinear_tf=True).fit(kept[sample])
    weights = tfidf.transform(kept)
    components = min(MAX_THEMES, keep.size, max(1, sample.size // MIN_THEME_ANSWERS))
    model = NMF(n_components=components, init="nndsvda", random_state=RANDOM_STATE, max_iter=MAX_ITERATIONS, tol=1e-3)
    # one BLAS thread: on a busy machine, threads spinning for a core made NNDSVDA's QR steps 30 times slower
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)  # themes settle long before the factors do
        model.fit(weights[sample])
    topics = model.components_
    scores = np.asarray(weights @ topics.T)
    best = scores.argmax(axis=1)
    placed = scores.max(axis=1) > 0
    themes = []
    for index in range(components):
        rows = np.flatnonzero(placed & (best == index))
        if rows.size == 0:
            continue
        rows = rows[np.argsort(-scores[rows, index], kind="stable")]
        order = np.argsort(-topics[index], kind="stable")[:THEME_TERMS]
        words = [vocabulary[keep[column]] for column in order if topics[index, column] > 0]
        themes.append(Theme(terms=words, rows=rows))
    themes.sort(key=lambda theme: (-theme.rows.size, theme.terms))
    return themes


def _sample(answer_ids: IntArray, rows: IntArray) -> IntArray:
    """At most FIT_SAMPLE rows, spread over the corpus by a hash of the answer id (stable across runs)."""
    if rows.size <= FIT_SAMPLE:
        return rows
    mixed = (answer_ids[rows].astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
    return np.sort(rows[np.argsort(mixed, kind="stable")[:FIT_SAMPLE]])
