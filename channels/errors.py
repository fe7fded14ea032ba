"""The bodies of the gateway's error responses, declared on its routes for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorResponse(BaseModel):
    """A refused request: why, in one sentence."""

    detail: str = Field(description="the reason")


class ValidationIssue(BaseModel):
    """One problem with the input, in FastAPI's documented shape (the input is not echoed)."""

    loc: list[str | int] = Field(description="where: body/query/path, then the field")
    msg: str
    type: str


class ValidationErrorResponse(BaseModel):
    """422: the input does not fit the schema (or a limit such as MAX_MESSAGE_CHARS)."""

    detail: list[ValidationIssue]


_WHY = {
    400: "the body cannot be read (malformed or hostile XML, not UTF-8)",
    401: "agent token missing or wrong",
    403: "refused: origin not allowed to embed the widget, or a bad WeChat signature",
    404: "no such call or conversation",
    409: "the conversation is not in the state this needs",
    413: "request body too large",
    422: "invalid input",
    503: "a service the request needs is not available yet",
}


def error_responses(*codes: int, by_ref: bool = False) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that can answer these 4xx/5xx codes (always JSON).

    by_ref: for a route whose own media type is not JSON (plain text, server-sent events), where
    FastAPI would file a model's schema under that media type; refers to the components instead
    (the JSON routes declaring these models put them there).
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        model = ValidationErrorResponse if code == 422 else ErrorResponse
        if by_ref:
            ref = {"$ref": f"#/components/schemas/{model.__name__}"}
            content = {"application/json": {"schema": ref}}
            responses[code] = {"description": _WHY[code], "content": content}
        else:
            responses[code] = {"model": model, "description": _WHY[code]}
    return responses
