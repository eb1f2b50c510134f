"""Turn the core's refusals into HTTP answers: 422 naming the field, 404 for unknown things.

The body follows FastAPI's own validation error shape, so clients parse one format.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from bot.errors import InputError, NotFound


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
