"""Answers are UTF-8 JSON without escapes, and text that is not valid Unicode still encodes."""

from __future__ import annotations

import json

from gateway.view import GatewayGraphQL


def test_cjk_is_sent_as_itself() -> None:
    encoded = GatewayGraphQL.encode_json(None, {"name": "江苏省"})  # type: ignore[arg-type]
    assert encoded == '{"name":"江苏省"}'.encode()


def test_a_lone_surrogate_falls_back_to_escaped_json() -> None:
    encoded = GatewayGraphQL.encode_json(None, {"echo": "a\ud800b"})  # type: ignore[arg-type]
    assert json.loads(encoded) == {"echo": "a\ud800b"}
