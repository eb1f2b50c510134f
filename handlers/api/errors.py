"""Turn the core's refusals into HTTP answers: 422 naming the field, 404 for unknown things.

The body follows FastAPI's own validation error shape, so clients parse one format.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bot.errors import InputError, NotFound
from bot.scoring.query import ScoreQueryError


class ErrorMessage(BaseModel):
    """Every refusal that is not about one field: 400, 401, 404, 413, 503."""

    detail: str


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrors(BaseModel):
    """A 422: each entry names the parameter or body field (`loc`) and says what is wrong with it."""

    detail: list[FieldError]


_DESCRIPTIONS = {
    400: "Malformed request: a Content-Length that cannot be trusted, or a body that is not JSON",
    401: "Missing or wrong credentials (for /api/: the bearer token; the API is off without ONESCORE_API_TOKEN)",
    404: "No such deal",
    413: "Body larger than 1 MiB (refused before it is read)",
    422: "A parameter or body field is invalid; `loc` names it",
    503: "The database is unreachable; retry later",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entries for these refusals, so clients (and the schema fuzzer) see what really comes back."""
    return {
        code: {"model": ValidationErrors if code == 422 else ErrorMessage, "description": _DESCRIPTIONS[code]}
        for code in codes
    }


def query_parameter_error(exc: ScoreQueryError) -> RequestValidationError:
    """A period or team the core refused, as FastAPI's own 422 naming the query parameter."""
    return RequestValidationError([{"loc": ("query", exc.parameter), "msg": exc.message, "type": "value_error"}])


def _input_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    location = ["body", *exc.field.replace("[", ".").replace("]", "").split(".")]
    return JSONResponse(
        {
            "detail": [
                {
                    "loc": [int(p) if p.isdigit() else p for p in location],
                    "msg": exc.message,
                    "type": exc.kind,
                }
            ]
        },
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def _not_found(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=status.HTTP_404_NOT_FOUND)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's shape without echoing the input back: it may be 20,000 characters, or not even
    encodable (a lone surrogate), which would turn a 422 into a 500."""
    assert isinstance(exc, RequestValidationError)
    detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(NotFound, _not_found)
