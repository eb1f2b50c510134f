"""From free text to lemmas, in English and Finnish, without a network or a downloaded model.

Every distinct word form is looked up once (simplemma's dictionaries ship in its wheel), so a
corpus of half a million answers costs one regular-expression pass per answer plus a dictionary
lookup per word. Which language's lemma a word gets is decided per answer: a Finnish answer's
"case" stays "case", an English answer's "webinars" becomes "webinar", and "webinaarissa" in either
becomes "webinaari". Stop words of both languages and the words of people's names are dropped, so
a theme's terms never name a person.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import simplemma
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from stop_words import get_stop_words

LANGUAGES = ("en", "fi")
_WORD = re.compile(r"[^\W\d_]{2,}")
"""Runs of two or more letters: digits, punctuation and emoji separate words and are never terms."""
_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | frozenset(get_stop_words("fi"))


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass
class Lexicon:
    """The word forms met so far, numbered in order of first appearance (so the numbering is stable)."""

    excluded: frozenset[str] = frozenset()
    """Words that must never become a term (parts of people's names), lower case."""
    forms: dict[str, int] = field(default_factory=dict)

    def form_ids(self, text: str) -> list[int]:
        forms = self.forms
        ids = []
        for word in words_of(text):
            index = forms.get(word)
            if index is None:
                index = forms[word] = len(forms)
            ids.append(index)
        return ids

    def lemma_matrix(self, counts: sparse.csr_matrix) -> tuple[sparse.csr_matrix, list[str]]:
        """Turn per-answer counts of word forms into counts of lemmas, each answer in its own language.

        An answer's language is the one that knows more of its words (ties go to English); each
        form is then replaced by its lemma in that language. Stop words and excluded words vanish.
        """
        ordered = sorted(self.forms, key=self.forms.__getitem__)
        lemmas: dict[str, int] = {}
        known = np.zeros((counts.shape[1], len(LANGUAGES)), dtype=np.float32)
        maps = []
        for column, language in enumerate(LANGUAGES):
            rows, cols = array("l"), array("l")
            for index, form in enumerate(ordered):
                known[index, column] = simplemma.is_known(form, lang=language)
                lemma = simplemma.lemmatize(form, lang=language).lower()
                if _is_term(form, lemma, self.excluded):
                    rows.append(index)
                    cols.append(lemmas.setdefault(lemma, len(lemmas)))
            maps.append((np.frombuffer(rows, dtype=np.int64), np.frombuffer(cols, dtype=np.int64)))
        shape = (counts.shape[1], max(len(lemmas), 1))
        votes = counts @ known
        finnish = votes[:, 1] > votes[:, 0]
        result = sparse.csr_matrix((counts.shape[0], shape[1]), dtype=np.float32)
        for (rows, cols), chosen in zip(maps, (~finnish, finnish), strict=True):
            mapping = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
            result = result + sparse.diags(chosen.astype(np.float32)) @ counts @ mapping
        names = sorted(lemmas, key=lemmas.__getitem__)
        return result.tocsr(), names


def _is_term(form: str, lemma: str, excluded: frozenset[str]) -> bool:
    return not ({form, lemma} & _STOP_WORDS or {form, lemma} & excluded) and len(lemma) > 1


def name_words(names: Iterable[str | None]) -> frozenset[str]:
    """The words of people's names and e-mail addresses, so none of them can label a theme."""
    words: set[str] = set()
    for name in names:
        if name:
            words.update(words_of(name.split("@")[0] if "@" in name else name))
    return frozenset(words)
