"""Request bodies on every route: bounded while they stream in, read as bounded JSON.

`LimitBody` reads each body at most MAX_BODY_BYTES before any route runs (413 beyond,
whatever Content-Length says or omits); `load_json` and `json_depth` bound what parsing
may cost; `validation_message` turns pydantic's first error into `field.path: what`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Slack's payloads are a few kilobytes; a view submission stays far below this, and so
# does a tracker's ticket or a GitHub issues event.
MAX_BODY_BYTES = 1_000_000
# Slack's deepest payloads (rich text in a message event) nest about a dozen levels.
MAX_JSON_DEPTH = 64


class LimitBody:
    """ASGI middleware: reads each request's body whole, at most `max_bytes`, before the
    app runs; a longer one gets 413 as soon as the count passes the limit.

    Counted as the body streams in, so neither a false Content-Length nor a chunked
    body (which has none) gets past it; the connection is closed after the 413, so the
    rest of the body is never read. Every route sees a body already bounded.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # only a disconnect is left to hear
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        content = json.dumps({"error": "request body too large", "status": 413}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(content)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})


def validation_message(exc: ValidationError, where: str = "", fields: Sequence[str] = ()) -> str:
    """Pydantic's first error as `field.path: what is wrong`, `where` the prefix of the
    path and `fields` the names to suggest for an unknown one."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    loc = _field_path(first["loc"])
    path = ".".join(str(part) for part in (where, *loc) if part != "") or "body"
    kind = first["type"]
    if kind == "missing":
        return f"{path}: required"
    if kind == "extra_forbidden":
        return f"{path}: unknown field" + (f" (use {', '.join(fields)})" if fields else "")
    expected = [
        _EXPECTED[e["type"]]
        for e in errors
        if e["type"] in _EXPECTED and _field_path(e["loc"]) == loc
    ]
    if expected:
        return f"{path}: expected {' or '.join(dict.fromkeys(expected))}"
    message = first["msg"].removeprefix("Value error, ")
    return f"{path}: {message[:1].lower()}{message[1:]}"


# Pydantic's error types that say only "not the right type", as what was expected.
_EXPECTED = {
    "string_type": "a string",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "list_type": "an array",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "bool_type": "true or false",
    "float_type": "a number",
    "string_pattern_mismatch": "a web address (https://…)",  # the one pattern: ReplyUrl
}


def _field_path(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """`loc` without the tags pydantic adds for a union's members (`str`,
    `dict[str,any]`, a model's class name): only field names and indexes."""
    return tuple(
        part
        for part in loc
        if isinstance(part, int)
        or not ("[" in part or part[:1].isupper() or part in ("str", "int", "float", "bool"))
    )


def json_depth(value: object) -> int:
    """How deeply `value` nests lists and objects (a scalar is 0); iterative, so any
    depth is measured without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Sequence[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def load_json(body: bytes) -> object:
    """`body` as JSON, bounded: ValueError (saying why) for text that is not JSON, a
    number too long to read, or nesting deeper than MAX_JSON_DEPTH."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not JSON ({str(exc)[:80]})") from None
    if json_depth(data) > MAX_JSON_DEPTH:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    return data


def json_kind(value: object) -> str:
    """What a JSON value is, for a message: null, an array, a str…"""
    if value is None:
        return "null"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"
