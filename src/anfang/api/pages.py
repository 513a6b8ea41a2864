"""Pages of records answered straight as JSON.

A page of 100 events or alarms built by a service is already JSON-ready; validating it
again against the route's ``response_model`` and serialising it through pydantic cost
more than the query (bench/console, issue 17). The route keeps its ``response_model``
for the OpenAPI document and returns this instead.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


def page(items: list[dict[str, Any]], next_before: str | None) -> Response:
    """``{"items": …, "next_before": …}`` written by orjson."""
    body = orjson.dumps({"items": items, "next_before": next_before})
    return Response(body, media_type="application/json")
