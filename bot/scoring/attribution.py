"""How a won deal's revenue is shared among the teams that helped win it.

Pure arithmetic on whole cents, so the promise "attributed revenue adds up to won revenue exactly"
holds by construction: every deal is split into integer cents that sum to the deal's own cents.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

AttributionModel = Literal["impact_weighted", "equal"]

IMPACT_RANK = {"none": 0, "some": 1, "strong": 2, "decisive": 3}
"""Impact levels as weights; `none` is 0, so a team credited only with `none` did not help."""

OWNER_TEAM_RANK = IMPACT_RANK["decisive"]


def helping_weights(owner_team: str | None, impacts: Mapping[str, int], model: AttributionModel) -> dict[str, int]:
    """Each helping team's weight on one deal.

    `impacts` maps a credited team to its highest impact rank on the deal. The owner's team always
    helps and counts as decisive, whatever its own answers say: owning the deal is the help.
    """
    weights = {team: rank for team, rank in impacts.items() if rank > 0}
    if owner_team is not None:
        weights[owner_team] = OWNER_TEAM_RANK
    if model == "equal":
        return dict.fromkeys(weights, 1)
    return weights


def split_cents(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Share `total` cents in proportion to `weights`, losing or inventing no cent.

    Largest-remainder allocation: everyone gets the floor of their exact share, and the cents left
    over go one each to the largest remainders, ties broken by team name so the same data always
    gives the same figures (a scorecard that changes on re-run is not believed).
    """
    if not weights:
        return {}
    if any(weight <= 0 for weight in weights.values()):
        raise ValueError("weights must be positive")
    whole = sum(weights.values())
    shares = {team: total * weight // whole for team, weight in weights.items()}
    left = total - sum(shares.values())
    by_remainder = sorted(weights, key=lambda team: (-(total * weights[team] % whole), team))
    for team in by_remainder[:left]:
        shares[team] += 1
    return shares
