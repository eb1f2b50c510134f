"""Corroboration: do the deal's owner and the helping team's own people rate that team's help alike?

A team that credits itself more than the people it helped shows it here. Per deal and helping team,
every owner's answer is paired with every helper's answer about that team; a pair agrees when the
impact levels are at most one step apart (none, some, strong, decisive).
"""

from __future__ import annotations

import numpy as np

from bot.insights.corpus import Corpus

LEVELS = 4
AGREEING = np.abs(np.subtract.outer(np.arange(LEVELS), np.arange(LEVELS))) <= 1


def corroboration(corpus: Corpus) -> dict[int, tuple[int, int]]:
    """Per helping team id: (pairs, agreeing pairs). Counted with histograms of levels per (deal, team),
    so it costs a few array passes however many answers there are."""
    teams = int(corpus.team_ids.max()) + 1 if len(corpus) else 1
    keys = corpus.deal_index * teams + corpus.team_ids
    relevant = corpus.owner_answer | corpus.helper_answer
    unique, inverse = np.unique(keys[relevant], return_inverse=True)
    levels = np.clip(corpus.impact[relevant], 0, LEVELS - 1)
    owners = np.zeros((unique.size, LEVELS), dtype=np.int64)
    helpers = np.zeros((unique.size, LEVELS), dtype=np.int64)
    np.add.at(owners, (inverse[corpus.owner_answer[relevant]], levels[corpus.owner_answer[relevant]]), 1)
    np.add.at(helpers, (inverse[corpus.helper_answer[relevant]], levels[corpus.helper_answer[relevant]]), 1)
    pairs = owners.sum(axis=1) * helpers.sum(axis=1)
    agreeing = np.einsum("ki,ij,kj->k", owners, AGREEING.astype(np.int64), helpers)
    team_of = unique % teams
    result: dict[int, tuple[int, int]] = {}
    for team_id in np.unique(team_of).tolist():
        mask = team_of == team_id
        total = int(pairs[mask].sum())
        if total:
            result[team_id] = (total, int(agreeing[mask].sum()))
    return result
