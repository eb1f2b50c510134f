"""`POST /webhooks/{hubspot,pipedrive,salesforce}`: authenticate, parse, queue, answer — in that order.

Nothing is stored before the CRM's proof checks out (401 otherwise), and nothing at all for a body
that is not what the CRM sends (400, never 500). Events about other objects (contacts, persons) are
answered 200 and dropped: a CRM retries every error, so refusing them would only bring them back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError

from bot.runtime import Runtime
from handlers.api.errors import error_responses
from handlers.crm import hubspot, pipedrive, salesforce
from handlers.crm.common import BadDelivery, Delivery, Unauthorized
from handlers.crm.intake import CrmIntake

log = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks", tags=["CRM webhooks"])
SOAP_FAULT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    "<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>{}</faultstring></soapenv:Fault>"
    "</soapenv:Body></soapenv:Envelope>"
)
_REFUSED_400 = "Not a delivery this CRM sends (malformed or wrong shape), or a Content-Length that cannot be trusted"
_REFUSED_401 = "Authentication failed or the CRM's secret is not configured; nothing stored"
_QUEUE_DOWN = "The queue is unavailable; the CRM retries"


class WebhookReceipt(BaseModel):
    received: int
    queued: int
    ignored: int


_RESPONSES: dict[int | str, dict[str, Any]] = {
    **error_responses(400, 401, 413, 503),
    200: {"model": WebhookReceipt, "description": "Queued (or ignored: not about a deal)"},
}
_RESPONSES[400]["description"] = _REFUSED_400
_RESPONSES[401]["description"] = _REFUSED_401
_RESPONSES[503]["description"] = _QUEUE_DOWN
_SOAP = {"text/xml": {"schema": {"type": "string"}}}
_SALESFORCE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The SOAP acknowledgement Salesforce requires", "content": _SOAP},
    400: {"description": f"{_REFUSED_400}: a SOAP fault (JSON for a bad Content-Length)", "content": _SOAP},
    401: {"description": f"{_REFUSED_401}: a SOAP fault", "content": _SOAP},
    **error_responses(413, 503),
}
_SALESFORCE_RESPONSES[503]["description"] = _QUEUE_DOWN


def _public_uri(request: Request, public_url: str | None) -> str:
    """The URL the CRM called, which HubSpot signs: behind a proxy only `ONESCORE_PUBLIC_URL` knows it."""
    path = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    base = public_url.rstrip("/") if public_url else f"{request.url.scheme}://{request.url.netloc}"
    return base + path + (f"?{query}" if query else "")


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _intake(request: Request) -> CrmIntake:
    return request.app.state.crm_intake


def _refusal(crm: str, code: int, reason: str, render: Callable[[str], Response] | None = None) -> Response:
    log.warning("%s webhook refused with %d: %s", crm, code, reason)
    if render is not None:
        response = render(reason)
        response.status_code = code
        return response
    return JSONResponse({"detail": reason}, status_code=code)


async def _queue(request: Request, deliveries: list[Delivery], ignored: int) -> dict[str, int]:
    try:
        queued = await _intake(request).accept(deliveries)
    except OperationalError as exc:
        log.error("could not queue CRM deliveries: %s", exc)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "The queue is unavailable; retry.") from exc
    return {"received": len(deliveries), "queued": queued, "ignored": ignored}


@router.post(
    "/hubspot",
    summary="HubSpot Webhooks API batches and workflow webhooks (X-HubSpot-Signature-v3)",
    responses=_RESPONSES,
)
async def hubspot_webhook(request: Request) -> Response:
    runtime = _runtime(request)
    body = await request.body()
    try:
        timestamp = hubspot.verify(
            runtime.settings.hubspot_client_secret,
            method=request.method,
            uri=_public_uri(request, runtime.settings.public_url),
            body=body,
            headers=request.headers,
            now=runtime.now(),
        )
        deliveries, ignored = hubspot.parse(body, timestamp)
    except Unauthorized as exc:
        return _refusal("HubSpot", status.HTTP_401_UNAUTHORIZED, str(exc))
    except BadDelivery as exc:
        return _refusal("HubSpot", status.HTTP_400_BAD_REQUEST, str(exc))
    return JSONResponse(await _queue(request, deliveries, ignored))


@router.post("/pipedrive", summary="Pipedrive webhooks v2 and v1 (HTTP basic auth)", responses=_RESPONSES)
async def pipedrive_webhook(request: Request) -> Response:
    settings = _runtime(request).settings
    try:
        pipedrive.verify(
            settings.pipedrive_webhook_user,
            settings.pipedrive_webhook_password,
            request.headers.get("authorization"),
        )
    except Unauthorized as exc:
        response = _refusal("Pipedrive", status.HTTP_401_UNAUTHORIZED, str(exc))
        response.headers["WWW-Authenticate"] = 'Basic realm="OneScore Pipedrive webhooks"'
        return response
    try:
        deliveries, ignored = pipedrive.parse(await request.body())
    except BadDelivery as exc:
        return _refusal("Pipedrive", status.HTTP_400_BAD_REQUEST, str(exc))
    return JSONResponse(await _queue(request, deliveries, ignored))


def _soap_fault(reason: str) -> Response:
    escaped = reason.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Response(SOAP_FAULT.format(escaped), media_type="text/xml")


@router.post(
    "/salesforce",
    summary="Salesforce Outbound Messages for Opportunity (checked against SALESFORCE_ORG_ID)",
    responses=_SALESFORCE_RESPONSES,
    response_class=Response,
)
async def salesforce_webhook(request: Request) -> Response:
    try:
        expected = salesforce.expected_org(_runtime(request).settings.salesforce_org_id)
        root = salesforce.read(await request.body())
        salesforce.verify(expected, salesforce.organization_id(root))
        deliveries, ignored = salesforce.deliveries(expected, salesforce.notifications(root))
    except Unauthorized as exc:
        return _refusal("Salesforce", status.HTTP_401_UNAUTHORIZED, str(exc), _soap_fault)
    except BadDelivery as exc:
        return _refusal("Salesforce", status.HTTP_400_BAD_REQUEST, str(exc), _soap_fault)
    await _queue(request, deliveries, ignored)
    return Response(salesforce.ACK, media_type="text/xml")
