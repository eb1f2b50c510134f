"""`/docs` and `/redoc` served from this process: the service's docs must work on a network with no CDN.

FastAPI's own pages load Swagger UI and ReDoc (and a favicon, and ReDoc's fonts) from public hosts;
here the same pages point at assets that the `fastapi-offline` package ships, mounted under
`/docs-assets`. Only its files are used: the application stays a plain FastAPI.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
_ASSET_DIRECTORY = str(files("fastapi_offline") / "static")
_SWAGGER_PARAMETERS = {"validatorUrl": None}
"""Swagger UI would otherwise send the whole OpenAPI document to a public validator for a badge."""


def _base(request: Request) -> str:
    return request.scope.get("root_path", "")


def install_docs(app: FastAPI) -> None:
    """Mount the assets and the two pages; create the app with `docs_url=None, redoc_url=None`."""
    app.mount(ASSETS, StaticFiles(directory=_ASSET_DIRECTORY), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        base = _base(request)
        return get_swagger_ui_html(
            openapi_url=f"{base}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{base}{OAUTH2_REDIRECT}",
            swagger_js_url=f"{base}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{base}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{base}{ASSETS}/favicon.png",
            swagger_ui_parameters=_SWAGGER_PARAMETERS,
        )

    @app.get(OAUTH2_REDIRECT, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        base = _base(request)
        return get_redoc_html(
            openapi_url=f"{base}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{base}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{base}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
