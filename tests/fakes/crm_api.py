"""A fake HubSpot and Pipedrive API on 127.0.0.1, for tests and the benchmark.

It answers the few calls the CRM worker and `onescore crm check` make, checks their tokens, and can
be told to fail: an outage (every call 503), or the next N calls under a path failing with a status
and a `Retry-After`. With `synthesize=True` it invents any deal it is asked for (the benchmark).

Run alone: `python -m tests.fakes.crm_api --port 8765 --synthesize`.
"""

from __future__ import annotations

import argparse
import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

HUBSPOT_TOKEN = "hubspot-test-token"
PIPEDRIVE_TOKEN = "pipedrive-test-token"
SYNTHETIC_OWNER = "owner@example.com"

DEFAULT_PIPELINES: list[dict[str, Any]] = [
    {
        "id": "default",
        "label": "Sales Pipeline",
        "stages": [
            {"id": "appointmentscheduled", "metadata": {"isClosed": "false", "probability": "0.2"}},
            {"id": "contractsent", "metadata": {"isClosed": "false", "probability": "0.8"}},
            {"id": "closedwon", "metadata": {"isClosed": "true", "probability": "1.0"}},
            {"id": "closedlost", "metadata": {"isClosed": "true", "probability": "0.0"}},
        ],
    },
    {
        "id": "renewals",
        "label": "Renewals",
        "stages": [
            {
                "id": "1f4f1ec1-8174-49f3-a112-4eaa4748e38e",
                "metadata": {"isClosed": "true", "probability": "1.0"},
            },
            {"id": "renewal-open", "metadata": {"isClosed": "false", "probability": "0.5"}},
        ],
    },
]


@dataclass
class Failure:
    prefix: str
    status: int
    times: int
    retry_after: str | None = None


@dataclass
class FakeCrm:
    """The fake's state; tests change it between requests."""

    synthesize: bool = False
    hubspot_deals: dict[str, dict[str, Any]] = field(default_factory=dict)
    hubspot_owners: dict[str, dict[str, Any]] = field(default_factory=dict)
    pipelines: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(DEFAULT_PIPELINES))
    pipedrive_users: dict[str, dict[str, Any]] = field(default_factory=dict)
    pipedrive_orgs: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    outage: int | None = None
    requests: list[str] = field(default_factory=list)

    def reset(self) -> None:
        fresh = FakeCrm(synthesize=self.synthesize)
        self.__dict__.update(fresh.__dict__)

    def fail(self, prefix: str, status: int = 503, times: int = 1, retry_after: str | None = None) -> None:
        self.failures.append(Failure(prefix, status, times, retry_after))

    def hubspot_deal(
        self,
        deal_id: str | int,
        *,
        stage: str,
        modified: datetime,
        name: str = "Acme renewal",
        amount: str | None = "50000",
        currency: str | None = "EUR",
        owner_id: str | None = "101",
        closedate: str | None = "2026-11-24T10:00:00Z",
        pipeline: str = "default",
    ) -> None:
        self.hubspot_deals[str(deal_id)] = {
            "dealname": name,
            "amount": amount,
            "deal_currency_code": currency,
            "pipeline": pipeline,
            "dealstage": stage,
            "closedate": closedate,
            "createdate": "2026-10-01T08:00:00Z",
            "hubspot_owner_id": owner_id,
            "hs_lastmodifieddate": _iso(modified),
        }

    def count(self, prefix: str) -> int:
        return sum(1 for path in self.requests if path.startswith(prefix))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def create_fake_app(state: FakeCrm) -> Starlette:
    def refuse(request: Request, token_ok: bool) -> JSONResponse | None:
        state.requests.append(request.url.path)
        if state.outage is not None:
            return JSONResponse({"message": "outage"}, status_code=state.outage)
        for failure in state.failures:
            if failure.times > 0 and request.url.path.startswith(failure.prefix):
                failure.times -= 1
                headers = {"Retry-After": failure.retry_after} if failure.retry_after else None
                return JSONResponse({"message": "injected"}, status_code=failure.status, headers=headers)
        if not token_ok:
            return JSONResponse({"message": "authentication required"}, status_code=401)
        return None

    def hubspot_auth(request: Request) -> JSONResponse | None:
        return refuse(request, request.headers.get("authorization") == f"Bearer {HUBSPOT_TOKEN}")

    def pipedrive_auth(request: Request) -> JSONResponse | None:
        return refuse(request, request.headers.get("x-api-token") == PIPEDRIVE_TOKEN)

    async def deal(request: Request) -> JSONResponse:
        if refused := hubspot_auth(request):
            return refused
        deal_id = str(request.path_params["deal_id"])
        properties = state.hubspot_deals.get(deal_id)
        if properties is None and state.synthesize:
            properties = _synthetic_deal(int(deal_id))
        if properties is None:
            return JSONResponse({"status": "error", "message": "Object not found"}, status_code=404)
        wanted = request.query_params.get("properties", "").split(",")
        body = {
            "id": deal_id,
            "properties": {k: v for k, v in properties.items() if k in wanted},
            "createdAt": properties["createdate"],
            "updatedAt": properties["hs_lastmodifieddate"],
            "archived": False,
        }
        return JSONResponse(body)

    async def owner(request: Request) -> JSONResponse:
        if refused := hubspot_auth(request):
            return refused
        owner_id = request.path_params["owner_id"]
        found = state.hubspot_owners.get(owner_id)
        if found is None and state.synthesize:
            found = {"email": SYNTHETIC_OWNER}
        if found is None:
            return JSONResponse({"status": "error", "message": "Owner not found"}, status_code=404)
        return JSONResponse({"id": owner_id, "archived": False, **found})

    async def owners(request: Request) -> JSONResponse:
        if refused := hubspot_auth(request):
            return refused
        return JSONResponse({"results": [{"id": k, **v} for k, v in state.hubspot_owners.items()][:1]})

    async def pipelines(request: Request) -> JSONResponse:
        if refused := hubspot_auth(request):
            return refused
        return JSONResponse({"results": state.pipelines})

    async def pipedrive_user(request: Request) -> JSONResponse:
        if refused := pipedrive_auth(request):
            return refused
        user_id = request.path_params["user_id"]
        if user_id == "me":
            me = {"id": 1, "email": "api@example.com", "company_name": "Acme"}
            return JSONResponse({"success": True, "data": me})
        found = state.pipedrive_users.get(user_id)
        if found is None and state.synthesize:
            found = {"email": SYNTHETIC_OWNER}
        if found is None:
            return JSONResponse({"success": False, "error": "User not found"}, status_code=404)
        return JSONResponse({"success": True, "data": {"id": int(user_id), **found}})

    async def pipedrive_org(request: Request) -> JSONResponse:
        if refused := pipedrive_auth(request):
            return refused
        found = state.pipedrive_orgs.get(request.path_params["org_id"])
        if found is None:
            return JSONResponse({"success": False, "error": "Organization not found"}, status_code=404)
        return JSONResponse({"success": True, "data": found})

    return Starlette(
        routes=[
            Route("/crm/v3/objects/deals/{deal_id:int}", deal),
            Route("/crm/v3/owners/{owner_id}", owner),
            Route("/crm/v3/owners", owners),
            Route("/crm/v3/pipelines/deals", pipelines),
            Route("/v1/users/{user_id}", pipedrive_user),
            Route("/v1/organizations/{org_id}", pipedrive_org),
        ]
    )


def _synthetic_deal(deal_id: int) -> dict[str, Any]:
    """A deterministic deal per id: every fifth lost, the others won; ten owner ids, one email."""
    return {
        "dealname": f"Deal {deal_id}",
        "amount": str(1000 + deal_id % 9000),
        "deal_currency_code": "EUR",
        "pipeline": "default",
        "dealstage": "closedlost" if deal_id % 5 == 0 else "closedwon",
        "closedate": "2026-11-24T10:00:00Z",
        "createdate": "2026-10-01T08:00:00Z",
        "hubspot_owner_id": str(100 + deal_id % 10),
        "hs_lastmodifieddate": "2026-11-24T10:00:00.000Z",
    }


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--synthesize", action="store_true")
    args = parser.parse_args()
    app = create_fake_app(FakeCrm(synthesize=args.synthesize))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
