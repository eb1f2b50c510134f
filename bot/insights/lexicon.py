"""From free text to lemmas, in English and Finnish, without a network or a downloaded model.

A batch of answers is lower-cased and split at white space in one pass over the whole batch, the
words of each distinct piece are found once, and every distinct word form is looked up once
(simplemma's dictionaries ship in its wheel): the cost per answer is a few C-level passes, which is
what lets half a million answers be read in seconds.
Which language's lemma a form gets is decided per answer: the language that knows more of the
answer's words. So an English answer's "webinars" becomes "webinar", and "webinaarissa",
"webinaarin" and "webinaareista" all become "webinaari". Stop words of both languages and the
words of people's names are dropped, so a theme's terms never name a person.
"""

from __future__ import annotations

import gc
import re
from array import array
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
import simplemma
from scipy import sparse
from simplemma.strategies import DefaultStrategy
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from stop_words import get_stop_words

LANGUAGES = ("en", "fi")
MARK = "\x01"
"""The token between two answers' texts in a batch: a control character no one types, and not white space."""
SEPARATOR = f" {MARK} "
"""Between two answers' texts in a batch: the mark, apart from the words on both sides."""
_WORD = re.compile(r"[^\W\d_]{2,}")
"""A word proper: two or more letters. Digits, underscores, punctuation and emoji are never terms."""
MAX_TERM_LETTERS = 40
"""Longer runs of letters are no word anyone reads as a kind of help (Finnish compounds stay well
inside it), and a term is a theme's label in chat, where it must fit on a line."""
_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | frozenset(get_stop_words("fi"))
_LEMMATIZER = simplemma.Lemmatizer(lemmatization_strategy=DefaultStrategy(low_memory=True))
"""The frugal dictionaries: some 55 MB for both languages instead of 400 MB, at the same speed per word."""

IntArray = npt.NDArray[np.int64]


def warm_up() -> None:
    """Load both languages' dictionaries now (a second or two), so the first insights do not wait for them.

    Then the garbage collector is told to leave everything alive so far alone: the dictionaries are
    millions of objects that live as long as the process, and every full collection walked them all,
    adding some 80 ms to whichever request happened to trigger it."""
    for language in LANGUAGES:
        _LEMMATIZER.lemmatize("a", lang=language)
        simplemma.is_known("a", lang=language, low_memory=True)
    gc.freeze()


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class Lexicon:
    """The word forms met while reading, numbered as they come; `canonical` puts them in a fixed order."""

    def __init__(self, excluded: frozenset[str] = frozenset()) -> None:
        self.excluded = excluded
        """Words that must never become a term (parts of people's names), lower case."""
        self.forms: dict[str, int] = {}
        self._tokens: dict[str, int] = {MARK: 0}
        self._spans = array("q", [0, 0])
        """Per token: where its forms start in `_flat`, and how many there are (the separator has none)."""
        self._flat = array("q")

    def read(self, texts: Sequence[str]) -> tuple[IntArray, IntArray]:
        """The word forms of `texts`, concatenated, and how many each text has."""
        return self.read_joined(SEPARATOR.join(text.replace(MARK, " ") for text in texts), len(texts))

    def read_joined(self, joined: str, count: int) -> tuple[IntArray, IntArray]:
        """As `read`, for `count` texts already joined by SEPARATOR (as the database joins them)."""
        tokens = (joined.lower() + SEPARATOR).split()  # str.split is three times faster than any regular expression
        for token in set(tokens).difference(self._tokens):
            self._add_token(token)
        ids = np.fromiter(map(self._tokens.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        spans = np.frombuffer(self._spans, dtype=np.int64).reshape(-1, 2)
        starts, lengths = spans[ids, 0], spans[ids, 1]
        ends = np.cumsum(lengths)
        positions = np.repeat(starts - (ends - lengths), lengths) + np.arange(int(ends[-1]) if ends.size else 0)
        forms = np.frombuffer(self._flat, dtype=np.int64)[positions] if positions.size else np.zeros(0, np.int64)
        text_of_token = np.cumsum(ids == 0) - (ids == 0)
        per_text = np.bincount(np.repeat(text_of_token, lengths), minlength=count)
        return forms, per_text.astype(np.int64)

    def _add_token(self, token: str) -> None:
        self._tokens[token] = len(self._spans) // 2
        words = [token] if _WORD.fullmatch(token) else _WORD.findall(token)
        self._spans.extend((len(self._flat), len(words)))
        for word in words:
            index = self.forms.get(word)
            if index is None:
                index = self.forms[word] = len(self.forms)
            self._flat.append(index)

    def canonical(self, forms: IntArray) -> IntArray:
        """Renumber form ids in the forms' alphabetical order, and keep that order from now on: then the
        numbering depends only on which words occur, not on the order the database returned the answers in."""
        ordered = sorted(self.forms)
        renumber = np.empty(len(ordered), dtype=np.int64)
        for new, form in enumerate(ordered):
            renumber[self.forms[form]] = new
        self.forms = {form: new for new, form in enumerate(ordered)}
        self._tokens, self._spans, self._flat = {MARK: 0}, array("q", [0, 0]), array("q")
        return renumber[forms] if forms.size else forms

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
            sources, targets = array("q"), array("q")
            for index, form in enumerate(ordered):
                known[index, column] = simplemma.is_known(form, lang=language, low_memory=True)
                lemma = _LEMMATIZER.lemmatize(form, lang=language).lower()
                if _is_term(form, lemma, self.excluded):
                    sources.append(index)
                    targets.append(lemmas.setdefault(lemma, len(lemmas)))
            maps.append((np.frombuffer(sources, dtype=np.int64), np.frombuffer(targets, dtype=np.int64)))
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
    return not ({form, lemma} & _STOP_WORDS or {form, lemma} & excluded) and 1 < len(lemma) <= MAX_TERM_LETTERS


def name_words(names: Iterable[str | None]) -> frozenset[str]:
    """The words of people's names and e-mail addresses, so none of them can label a theme."""
    words: set[str] = set()
    for name in names:
        if name:
            words.update(words_of(name.split("@")[0] if "@" in name else name))
    return frozenset(words)
