"""Decoding what the real agent sent: payloads captured from @pendo/agent 2.291.4 in headless Chromium."""

import json
from pathlib import Path

from devtools.wire import PendoRequest, PendoWire, decode_jzb

CAPTURED = json.loads((Path(__file__).parent / "data" / "captured_requests.json").read_text())["urls"]


def test_captured_ptm_gif_decodes_to_identify_meta_and_load_events():
    request = PendoRequest.parse("GET", CAPTURED[0])
    assert request.endpoint == "ptm.gif"
    assert request.api_key == "abc-123"
    assert [event["type"] for event in request.payload] == ["identify", "meta", "load"]
    meta = request.payload[1]["props"]
    assert meta["visitor"] == {"id": "u1", "email": "a@b.c", "nested": {"a": 1}, "language": "en_US"}
    assert meta["account"] == {"id": "acc1", "name": "Acme"}


def test_captured_track_event_carries_name_and_properties():
    (event,) = PendoRequest.parse("GET", CAPTURED[1]).payload
    assert event["type"] == "track"
    assert event["track_event_name"] == "Order Completed"
    assert event["props"] == {"total": 10, "items": ["a", "b"]}


def test_guide_json_decodes_to_one_object():
    request = PendoRequest.parse("GET", CAPTURED[2])
    assert request.endpoint == "guide.json"
    assert request.payload["visitorId"] == "u1"
    assert request.payload["metadata"]["account"]["id"] == "acc1"


def test_resent_batches_are_counted_once_and_queries_read_the_latest_metadata():
    wire = PendoWire()
    for url in [CAPTURED[0], CAPTURED[1], CAPTURED[0], CAPTURED[1]]:
        wire.record(PendoRequest.parse("GET", url))
    assert [event["type"] for event in wire.events()] == ["identify", "meta", "load", "track"]
    assert wire.visitor()["email"] == "a@b.c"
    assert wire.account() == {"id": "acc1", "name": "Acme"}
    assert len(wire.requests) == 4


def test_post_bodies_and_unpadded_jzb_decode():
    jzb = CAPTURED[1].split("jzb=")[1].split("&")[0]
    assert decode_jzb(jzb)[0]["track_event_name"] == "Order Completed"
    request = PendoRequest.parse("POST", "https://app.eu.pendo.io/data/ptm.gif/k?v=1", jzb.encode())
    assert request.payload[0]["type"] == "track"
    assert PendoRequest.parse("GET", "https://app.pendo.io/agent/static/k/pendo.js") is None
