"""What a request may be, checked before anything parses it: the length of its URL, the nesting depth of a
JSON body (for every route, the REST API and Dash's callbacks alike), and the shape of a Dash callback
request. Each refusal is a ServiceError in the seed's shape that names the field."""

from __future__ import annotations

import json
import re
from typing import Any, cast

import dash
from flask import Flask, request

from core.errors import InvalidInput, UriTooLong
from core.limits import MAX_JSON_DEPTH, MAX_URL_LENGTH, json_nesting_depth
from core.request_context import user_var

# A JSON string (escapes included) or one structural character: enough to name where a body nests too deep.
JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]', re.S)
DASH_CALLBACK_PATH = "_dash-update-component"


def _key(token: bytes) -> str:
    """A JSON string token as a short text safe to show and log (control characters as \\uXXXX escapes)."""
    try:
        text = str(json.loads(token))
    except ValueError:  # a malformed string: its parser refuses the body anyway
        text = token.decode("utf-8", "replace").strip('"')
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text[:64])


def too_deep_field(data: bytes, limit: int = MAX_JSON_DEPTH) -> str:
    """Where JSON text nests past `limit`: the keys down to the last one on the way there, with the array
    positions between them ("inputs.0.value"); "body" when no key leads there."""
    path: list[str | int] = []  # per open array or object: the position or the key being read in it
    last_string = b'""'
    for match in JSON_TOKEN.finditer(data):
        token = match.group()
        inside = path[-1] if path else None
        if token in (b"[", b"{"):
            if len(path) == limit:
                break
            path.append(0 if token == b"[" else "")
        elif token in (b"]", b"}"):
            if path:
                path.pop()
        elif token == b"," and isinstance(inside, int):
            path[-1] = inside + 1
        elif token == b":" and isinstance(inside, str):
            path[-1] = _key(last_string)
        elif token.startswith(b'"'):
            last_string = token
    keyed = [i for i, part in enumerate(path) if isinstance(part, str)]
    return ".".join(str(part) for part in path[: keyed[-1] + 1]) if keyed else "body"


def check_url_length() -> None:
    """UriTooLong when the path and query string are over MAX_URL_LENGTH characters."""
    length = len(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path)
    if length > MAX_URL_LENGTH:
        raise UriTooLong(
            f"The address of this request is {length} characters long; at most {MAX_URL_LENGTH} are allowed.",
            technical_details={"field": "url", "length": length, "max_length": MAX_URL_LENGTH},
        )


def check_json_depth() -> None:
    """InvalidInput when a JSON body nests deeper than MAX_JSON_DEPTH: checked on the raw bytes before any
    parser sees them, for every route (the REST API and Dash's callbacks alike)."""
    if not request.is_json:
        return  # Flask, flask-openapi3 and Dash parse only a JSON content type as JSON
    data = request.get_data(cache=True)  # kept for the parser that reads the body next
    if json_nesting_depth(data) <= MAX_JSON_DEPTH:
        return
    field = too_deep_field(data)
    raise InvalidInput(
        f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels, at {field}.",
        technical_details={"field": field, "max_depth": MAX_JSON_DEPTH},
    )


def _refused(field: str, problem: str) -> InvalidInput:
    return InvalidInput(f"Not a Dash callback request: {field} {problem}.", technical_details={"field": field})


def _check_references(value: Any, field: str, *, count: int | None) -> None:
    """A list of {id, property} references, or of lists of them (a pattern-matching ALL), as Dash reads them."""
    if not isinstance(value, list):
        raise _refused(field, "must be a list")
    if count is not None and len(value) != count:
        raise _refused(field, f"must have {count} entries for this callback, not {len(value)}")
    for position, item in enumerate(value):
        group = item if isinstance(item, list) else [item]
        for inner, reference in enumerate(group):
            where = f"{field}.{position}" + (f".{inner}" if isinstance(item, list) else "")
            _check_reference(reference, where)


def _check_reference(reference: Any, where: str) -> None:
    if not isinstance(reference, dict):
        raise _refused(where, "must be an object with id and property")
    if not isinstance(reference.get("id"), str | dict):
        raise _refused(f"{where}.id", "must be a string or an object")
    if not isinstance(reference.get("property"), str):
        raise _refused(f"{where}.property", "must be a string")


def check_callback_request(app: dash.Dash) -> None:
    """InvalidInput unless the body has what Dash reads from a callback request without checking it (output,
    outputs, inputs, state, changedPropIds) and names a server-side callback of the app with its number of
    outputs, inputs and states; otherwise Dash answers with a KeyError, an IndexError or a 500 of its own."""
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise _refused("body", "must be a JSON object")
    output = body.get("output")
    if not isinstance(output, str):
        raise _refused("output", "must be a string")
    callback = app.callback_map.get(output)
    if callback is None or "callback" not in callback:  # a clientside callback runs in the browser only
        raise _refused("output", "names no server-side callback of this app")
    if not callback.get("no_output"):
        _check_outputs(body.get("outputs"), output)
    _check_references(body.get("inputs"), "inputs", count=len(callback["inputs"]))
    _check_references(body.get("state", []), "state", count=len(callback["state"]))
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list):
        raise _refused("changedPropIds", "must be a list")
    for position, prop_id in enumerate(changed):
        if not isinstance(prop_id, str):
            raise _refused(f"changedPropIds.{position}", "must be a string")


def _check_outputs(outputs: Any, output: str) -> None:
    """The outputs the callback declares, in its order: Dash writes the answer by them after the callback has
    run, so a mismatch would fail only then, as a 500."""
    # Dash's own convention: "..a.b...c.d.." names several outputs, which come as a list; one comes alone.
    declared = [part.rsplit(".", 1) for part in (output[2:-2].split("...") if output.startswith("..") else [output])]
    if output.startswith(".."):
        _check_references(outputs, "outputs", count=len(declared))
        given = list(outputs)
    else:
        given = [outputs]
    for position, ((declared_id, declared_property), entry) in enumerate(zip(declared, given, strict=True)):
        where = f"outputs.{position}" if output.startswith("..") else "outputs"
        wildcard = json.loads(declared_id) if declared_id.startswith("{") else None
        many = wildcard is not None and any(v in (["ALL"], ["ALLSMALLER"]) for v in wildcard.values())
        if many and not isinstance(entry, list):
            raise _refused(where, "must be a list for a pattern-matching ALL output")
        for inner, reference in enumerate(entry if many else [entry]):
            place = f"{where}.{inner}" if many else where
            _check_reference(reference, place)
            # A property with "@<hash>" is an allow_duplicate output; the renderer may send it either way.
            if reference["property"].split("@")[0] != declared_property.split("@")[0]:
                raise _refused(f"{place}.property", f"must be {declared_property.split('@')[0]!r}")
            if wildcard is None and reference["id"] != declared_id:
                raise _refused(f"{place}.id", f"must be {declared_id!r}")


def install_callback_guard(app: dash.Dash) -> None:
    """Check Dash's callback requests before Dash reads them; registered after Dash's own first-request
    setup, so every callback of the app (pages' included) is in its callback map by then."""
    path = f"{app.config.routes_pathname_prefix}{DASH_CALLBACK_PATH}"

    @cast(Flask, app.server).before_request
    def guard_callback_request() -> None:
        if request.path == path and request.method == "POST" and user_var.get() is not None:
            check_callback_request(app)
