"""The OpenAPI document lists the error answers each route really gives.

FastAPI documents only success and 422; a client generator or a fuzzer (schemathesis in
the test suite) then meets 401, 404 or 409 it was never told about (issue 14). Every
refusal in anfang has the same body, ``{"detail": "…"}``, and arises from a few places
(the token check, a permission, an id that names nothing, a conflict, load shedding), so
the statuses are added here by rule, not route by route.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_ERROR = {"$ref": "#/components/schemas/Error"}
_TEXT = {
    400: "Refused: the request is not allowed in this state",
    401: "Missing, invalid or expired credentials",
    403: "The caller's role lacks the permission",
    404: "No such object",
    409: "Conflicts with existing data or the object's state",
    410: "The object existed but is gone",
    413: "Request body too large",
    429: "Too many attempts; see Retry-After",
    503: "Busy or storage unavailable; see Retry-After",
}
_MUTATING = {"post", "put", "patch", "delete"}


def _statuses(path: str, method: str, op: dict[str, Any]) -> set[int]:
    out = {400, 401, 403, 503}
    if "{" in path:
        out |= {404, 410}
    if method in _MUTATING:
        out |= {404, 409}
    if "requestBody" in op:
        out.add(413)
    if path.endswith("/auth/token"):
        out.add(429)
    return out


def document_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` list the error answers of every operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["Error"] = {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
        }
        for path, item in doc.get("paths", {}).items():
            for method, op in item.items():
                if method not in {"get", "post", "put", "patch", "delete"}:
                    continue
                responses = op.setdefault("responses", {})
                for status in sorted(_statuses(path, method, op)):
                    responses.setdefault(
                        str(status),
                        {
                            "description": _TEXT[status],
                            "content": {"application/json": {"schema": _ERROR}},
                        },
                    )
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
