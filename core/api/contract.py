"""The OpenAPI document as the contract: every status a route can answer, declared once.

The refusals every route shares (the app's one mapping, `core.errors.refusal`) are not
written on each decorator: `install` adds them to the generated document from what a
route is (authenticated or not, with a body, parameters or `If-Match`, a read or a
write), with the body the app really sends (`Refusal`: `{"field", "error"}`). A route's
own `responses=` wins. `allowed_methods` gives a 405 its true `Allow` header: every
method of every route on that path, not only the first route's.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute
from starlette.types import Scope

try:  # FastAPI >= 0.165 includes routers lazily: their routes are reached through this
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI copies included routes flat
    iter_route_contexts = None  # type: ignore[assignment]

from core.api.deps import current_staff

REFUSAL = "Refusal"
#: the one error body (`core.errors.Refusal.body()`, the 401/405/413 bodies too)
REFUSAL_SCHEMA: dict[str, Any] = {
    "title": REFUSAL, "type": "object", "required": ["field", "error"],
    "properties": {
        "field": {"type": "string", "description": "the field, header or part at fault",
                  "examples": ["category"]},
        "error": {"type": "string", "description": "one line saying what is wrong",
                  "examples": ["unknown value 'x'; one of: complaint (投诉), ..."]},
    },
}
WHY = {
    400: "The body is not JSON, or a header (If-Match) is malformed.",
    401: "No `Authorization: Bearer TOKEN`, or the token is unknown, revoked or expired.",
    403: "The caller's role may not do this (decided by the service).",
    404: "Something named in the path, query or body does not exist.",
    409: "The record's state refuses the action, a stale If-Match, or a duplicate.",
    413: "The request body is over the configured limit (whatever the transfer encoding).",
    422: "A field is invalid; `field` names it.",
    503: "Storage is failing (database down, read-only or full disk) or not initialised; "
         "nothing was written.",
}
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def install(app: FastAPI, vocabularies: dict[str, Any]) -> None:
    """Make `app.openapi()` declare the shared refusals and the `Refusal` component, and
    list the site's own vocabularies (`vocabularies`: name → `Vocabulary`)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = generate()
        declare(document, app.routes)
        _no_controls(document)
        _answer_at_intake(document, vocabularies)
        _vocabularies(document, vocabularies)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def statuses(route: Any, method: str) -> set[int]:
    """The refusals `route` can answer for `method`, from what it takes and does."""
    fields = _params(route)
    found = {503}
    if _authenticated(route.dependant):
        found |= {401, 403}
    if fields or route.body_field is not None:
        found |= {404, 422}
    raw_body = "requestBody" in (getattr(route, "openapi_extra", None) or {})
    if route.body_field is not None or raw_body:
        found |= {400, 413}
    if raw_body:
        found.add(422)
    if any(f.alias.lower() == "if-match" for f in fields):
        found.add(400)
    if method in WRITES:
        found.add(409)
    return found


def declare(document: dict[str, Any], routes: list[BaseRoute]) -> None:
    """Add each route's refusals (and the `Refusal` schema) to `document` in place."""
    document.setdefault("components", {}).setdefault("schemas", {})[REFUSAL] = REFUSAL_SCHEMA
    ref = {"$ref": f"#/components/schemas/{REFUSAL}"}
    for original, route in _routes(routes):  # included routers' routes too
        if not isinstance(original, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            for parameter in operation.get("parameters", ()):
                _not_null(parameter)
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses(route, method)):
                declared = responses.setdefault(str(status), {"description": WHY[status]})
                declared.setdefault("content", {"application/json": {"schema": ref}})
                if status == 401:
                    declared.setdefault("headers", {"WWW-Authenticate": {
                        "description": "`Bearer`", "required": True,
                        "schema": {"type": "string"}}})
            # FastAPI's generated 422 (`HTTPValidationError`) is not what the app sends
            if "422" in responses and "HTTPValidationError" in str(responses["422"]):
                responses["422"] = {"description": WHY[422],
                                    "content": {"application/json": {"schema": ref}}}
    schemas = document["components"]["schemas"]
    if "HTTPValidationError" not in str(document["paths"]):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method the path in `scope` answers (for a 405's `Allow`), sorted."""
    found: dict[str, set[str]] = {}
    for _, route in _routes(app.router.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(scope["path"]):
            found.setdefault(route.path_format, set()).update(route.methods or ())
    # a literal path (`/keys/check`) is its own resource, though `/keys/{tag}` matches too
    exact = found.get(scope["path"])
    return sorted(exact if exact else set().union(*found.values()))


def _no_controls(document: dict[str, Any]) -> None:
    """Every text a request carries says what `core.textcheck` refuses before any route:
    control characters (a body's text may hold tab and newlines; a path, query value or
    JSON key nothing below U+0020). Fields with their own pattern already say so."""
    from core.api.fields import CONTROLS, LINE_CONTROLS

    body_text, line = f"^[^{CONTROLS}]*$", f"^[^{LINE_CONTROLS}]*$"
    schemas = document["components"]["schemas"]
    names: list[str] = []

    def refs(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            name = ref.rsplit("/", 1)[-1]
            if ref and name not in names:
                names.append(name)
                refs(schemas.get(name))
            for value in node.values():
                refs(value)
        elif isinstance(node, list):
            for value in node:
                refs(value)

    def patch(node: Any, pattern: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "string" and not {"pattern", "enum", "const"} & set(node) \
                    and node.get("format") != "binary":
                node["pattern"] = pattern
            if isinstance(node.get("additionalProperties"), dict):
                node.setdefault("propertyNames", {"pattern": line})
            for key, value in node.items():
                if key not in ("$ref", "propertyNames", "examples", "default"):
                    patch(value, pattern)
        elif isinstance(node, list):
            for value in node:
                patch(value, pattern)

    for item in document["paths"].values():
        for operation in item.values():
            refs(operation.get("requestBody", {}))
            for parameter in operation.get("parameters", ()):
                patch(parameter.get("schema"), line)
    for name in names:
        patch(schemas.get(name), body_text)


def _answer_at_intake(document: dict[str, Any], vocabularies: dict[str, Any]) -> None:
    """`answer` (resolved at intake) only for the site's `resolve_on_intake` categories."""
    from core.api.fields import spellings

    ticket = document["components"]["schemas"].get("TicketIn")
    allowed = vocabularies.get("resolve_on_intake")
    if ticket is None or allowed is None:
        return
    words = [w for w in spellings(vocabularies["category"])
             if vocabularies["category"].parse(w) in allowed]
    ticket.setdefault("allOf", []).append(
        {"if": {"properties": {"category": {"not": {"enum": words}}}},
         "then": {"properties": {"answer": {"type": "null"}}}})


def _not_null(parameter: dict[str, Any]) -> None:
    """`str | None` in a header or query is the parameter's absence, never `null`."""
    schema = parameter.get("schema", {})
    kinds = schema.get("anyOf", ())
    kept = [k for k in kinds if k.get("type") != "null"]
    if len(kept) == 1 and len(kinds) == 2:
        schema.pop("anyOf")
        schema.update(kept[0])
        if isinstance(schema.get("enum"), list):
            schema["enum"] = [v for v in schema["enum"] if v is not None]


def _vocabularies(node: Any, vocabularies: dict[str, Any]) -> None:
    """Replace each `x-vocabulary` marker (`core.api.fields.vocabulary`) by its `enum`."""
    from core.api.fields import spellings

    if isinstance(node, dict):
        name = node.pop("x-vocabulary", None)
        if name is not None:
            nullable = any(o.get("type") == "null" for o in node.get("anyOf", ()))
            node["enum"] = spellings(vocabularies[name]) + ([None] if nullable else [])
        for value in node.values():
            _vocabularies(value, vocabularies)
    elif isinstance(node, list):
        for value in node:
            _vocabularies(value, vocabularies)


def _routes(routes: list[BaseRoute]) -> list[tuple[BaseRoute, Any]]:
    """(the route as written, the route as served: prefix and included responses applied)."""
    if iter_route_contexts is None:  # pragma: no cover
        return [(route, route) for route in routes]
    return [(context.original_route, context) for context in iter_route_contexts(routes)]


def _params(route: Any) -> list[Any]:
    found: list[Any] = []

    def walk(dependant: Any) -> None:
        found.extend(dependant.path_params + dependant.query_params + dependant.header_params)
        for sub in dependant.dependencies:
            walk(sub)

    walk(route.dependant)
    return found


def _authenticated(dependant: Any) -> bool:
    return dependant.call is current_staff or any(
        _authenticated(sub) for sub in dependant.dependencies)
