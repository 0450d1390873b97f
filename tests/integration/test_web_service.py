"""The example web service: commands over HTTP, typed errors mapped to HTTP answers."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest

pytest.importorskip("fastapi", reason="the web example needs the 'web' extra (FastAPI)")
pytest.importorskip("httpx", reason="FastAPI's test client needs httpx (the 'web' extra)")

from fastapi.testclient import TestClient

from relationkit.testing import ManualClock

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "web_service.py"


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location("web_service_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    example = load_example()
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 9, tz="Europe/Paris"))
    app = example.create_app(str(tmp_path / "relations.db"), clock=clock)
    with TestClient(app) as test_client:
        as_staff = {"X-Actor": "s-sam"}
        as_manager = {"X-Actor": "s-mia"}
        # The first registration of a new store is the setup's; after it, Mia registers.
        mia = {"id": "s-mia", "name": "Mia", "roles": ["manager"]}
        assert test_client.post("/staff", json=mia).status_code == 201
        sam = {"id": "s-sam", "name": "Sam", "roles": ["agent"]}
        assert test_client.post("/staff", json=sam, headers=as_manager).status_code == 201
        ana = {"id": "c-ana", "name": "Ana"}
        assert test_client.post("/clients", json=ana, headers=as_manager).status_code == 201
        policy = {"version": 1, "clauses": [{"id": "refunds-30d", "text": "Refunds: 30 days."}]}
        assert test_client.post("/policies", json=policy, headers=as_manager).status_code == 201
        test_client.headers.update(as_staff)
        yield test_client


def test_registering_is_on_the_record_and_a_taken_id_is_a_409(client: TestClient) -> None:
    again = client.post("/clients", json={"id": "s-sam", "name": "Sam's twin"})
    assert again.status_code == 409
    assert again.json()["error"] == "AlreadyRegistered"
    by_sam = client.post("/clients", json={"id": "c-bo", "name": "Bo"})  # the client's actor
    assert by_sam.status_code == 201
    client.headers.pop("X-Actor")
    nobody = client.post("/clients", json={"id": "c-cy", "name": "Cy"})
    assert nobody.status_code == 422
    assert nobody.json()["error"] == "ActorRequired"


def open_case(client: TestClient, **extra: Any) -> str:
    body = {"client": "c-ana", "subject": "Refund", "statement": "Refund my renewal.", **extra}
    response = client.post("/cases", json=body)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["id"]
    return case_id


def command(
    client: TestClient, case_id: str, name: str, actor: str = "s-sam", **arguments: Any
) -> Any:
    return client.post(
        f"/cases/{case_id}/{name}", json={"arguments": arguments}, headers={"X-Actor": actor}
    )


def hear(client: TestClient, case_id: str) -> None:
    assert command(client, case_id, "acknowledge", paraphrase="You want a refund.").is_success
    assert command(client, case_id, "confirm_heard", actor="c-ana").is_success


def test_a_case_runs_from_opening_to_decision_over_http(client: TestClient) -> None:
    case_id = open_case(client)
    hear(client, case_id)
    response = command(
        client, case_id, "decline", reason="Paid 49 days ago.", clause_id="refunds-30d"
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "decided"
    names = [e["name"] for e in client.get(f"/cases/{case_id}/timeline").json()]
    assert names == ["CaseOpened", "CaseAcknowledged", "ClientConfirmedHeard", "RequestDeclined"]


def test_a_refused_rule_is_a_409_with_rule_ids_and_nothing_changes(client: TestClient) -> None:
    case_id = open_case(client, escalated=True)
    before = client.get(f"/cases/{case_id}").json()
    response = command(client, case_id, "decline", reason="No.", clause_id="refunds-30d")
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "RuleViolations"
    assert [v["rule_id"] for v in body["violations"]] == ["R1.case", "R3"]
    assert all(v["reason"] for v in body["violations"])
    assert client.get(f"/cases/{case_id}").json() == before


def test_a_single_refusal_names_its_rule(client: TestClient) -> None:
    case_id = open_case(client)
    hear(client, case_id)
    response = command(client, case_id, "decline", reason="No.", clause_id="made-up")
    assert response.status_code == 409
    assert response.json()["violations"][0]["rule_id"] == "R2"
    assert "made-up" in response.json()["message"]


def test_errors_map_to_their_http_answers(client: TestClient) -> None:
    case_id = open_case(client)
    # unknown case: 404
    assert command(client, "case-nope", "acknowledge", paraphrase="x").status_code == 404
    # unknown command: 404 naming the known ones
    response = command(client, case_id, "shout")
    assert response.status_code == 404
    assert "acknowledge" in response.json()["message"]
    # staff answering for the client: 403
    assert command(client, case_id, "acknowledge", paraphrase="You want a refund.").is_success
    assert command(client, case_id, "confirm_heard", actor="s-sam").status_code == 403
    # a blank text or a missing argument: 422
    blank = command(client, case_id, "record_statement", text="   ")
    assert blank.status_code == 422
    assert "empty" in blank.json()["message"]
    missing = command(client, case_id, "record_statement")
    assert missing.status_code == 422
    assert "'text'" in missing.json()["message"]
    # a command the state does not offer: 409 with what it does offer
    wrong = command(client, case_id, "close")
    assert wrong.status_code == 409
    assert "acknowledge" in wrong.json()["allowed"]
    # an unknown actor: 404
    assert command(client, case_id, "escalate", actor="nobody", reason="x").status_code == 404


def test_a_time_without_a_zone_is_a_422_and_nothing_changes(client: TestClient) -> None:
    case_id = open_case(client)
    hear(client, case_id)
    before = client.get(f"/cases/{case_id}").json()
    response = command(
        client, case_id, "defer", reply_by="2026-03-04T12:00:00", reason="Checking with finance."
    )
    assert response.status_code == 422
    assert "names no offset or time zone" in response.json()["message"]
    assert client.get(f"/cases/{case_id}").json() == before
    zoned = command(
        client, case_id, "defer", reply_by="2026-03-04T12:00:00+01:00", reason="Checking."
    )
    assert zoned.is_success, zoned.text


def test_a_stale_version_is_a_409(client: TestClient) -> None:
    case_id = open_case(client)
    version = client.get(f"/cases/{case_id}").json()["version"]
    body = {"arguments": {"reason": "Angry caller."}, "expected_version": version}
    assert client.post(f"/cases/{case_id}/escalate", json=body).status_code == 200
    stale = client.post(f"/cases/{case_id}/escalate", json=body)
    assert stale.status_code == 409
    assert stale.json()["error"] == "ConcurrencyError"


def test_options_explain_what_is_blocked(client: TestClient) -> None:
    case_id = open_case(client)
    options = {o["command"]: o for o in client.get(f"/cases/{case_id}/options").json()}
    assert options["acknowledge"]["allowed"]
    assert options["accept"]["blocked_by"] == ["R1.case"]


def test_the_service_keeps_its_data_in_the_sqlite_file(tmp_path: Path) -> None:
    example = load_example()
    path = str(tmp_path / "kept.db")
    with TestClient(example.create_app(path)) as first:
        first.post("/staff", json={"id": "s-sam", "name": "Sam", "roles": ["agent"]})
        first.post("/clients", json={"id": "c-ana", "name": "Ana"}, headers={"X-Actor": "s-sam"})
        case_id = open_case(first.__class__(first.app, headers={"X-Actor": "s-sam"}))
    with TestClient(example.create_app(path)) as second:
        assert second.get(f"/cases/{case_id}").json()["state"] == "opened"


@pytest.mark.parametrize(
    ("name", "arguments", "field"),
    [
        ("record_statement", {"text": True}, "text"),
        ("acknowledge", {"paraphrase": 123}, "paraphrase"),
        ("escalate", {"reason": ["Angry."]}, "reason"),
        ("decline", {"reason": "No.", "clause_id": "refunds-30d", "evidence": [1]}, "evidence"),
    ],
)
def test_arguments_of_the_wrong_type_are_a_422_not_coerced(
    client: TestClient, name: str, arguments: dict[str, Any], field: str
) -> None:
    case_id = open_case(client)
    before = client.get(f"/cases/{case_id}/timeline").json()
    response = command(client, case_id, name, **arguments)
    assert response.status_code == 422
    assert field in response.json()["message"]
    assert client.get(f"/cases/{case_id}/timeline").json() == before


def test_request_bodies_of_the_wrong_type_are_a_422_not_coerced(client: TestClient) -> None:
    rk = client.app.state.relations  # type: ignore[attr-defined]
    body = {"client": "c-ana", "subject": "Refund", "statement": "Refund me.", "escalated": "yes"}
    assert client.post("/cases", json=body).status_code == 422
    assert rk.cases() == []
    case_id = open_case(client)
    timeline = client.get(f"/cases/{case_id}/timeline").json()
    stale = client.post(
        f"/cases/{case_id}/escalate",
        json={"arguments": {"reason": "Angry."}, "expected_version": True},
        headers={"X-Actor": "s-sam"},
    )
    assert stale.status_code == 422
    assert "expected_version" in stale.text
    assert client.get(f"/cases/{case_id}/timeline").json() == timeline


TIME_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d")


def times_in(data: Any, where: str = "") -> list[tuple[str, str]]:
    """Every text in a JSON value that starts like a date, with where it was found."""
    if isinstance(data, dict):
        return [found for key, value in data.items() for found in times_in(value, f"{where}.{key}")]
    if isinstance(data, list):
        return [found for i, value in enumerate(data) for found in times_in(value, f"{where}[{i}]")]
    if isinstance(data, str) and TIME_LIKE.match(data):
        return [(where, data)]
    return []


def test_every_time_in_its_json_is_iso_8601_that_clients_parse(client: TestClient) -> None:
    case_id = open_case(client)
    hear(client, case_id)
    deferred = command(
        client, case_id, "defer", reply_by="2026-03-04T12:00:00+01:00", reason="Checking."
    )
    assert deferred.is_success, deferred.text
    answers = {
        "case": deferred.json(),
        "read": client.get(f"/cases/{case_id}").json(),
        "timeline": client.get(f"/cases/{case_id}/timeline").json(),
    }
    found = times_in(answers)
    where = {re.findall(r"\.(\w+)", place)[-1] for place, _ in found}
    assert {"opened_at", "at", "reply_by", "cycle_started_at"} <= where, where
    for place, text in found:
        parsed = dt.datetime.fromisoformat(text)  # what Python reads; JavaScript's Date too
        assert parsed.tzinfo is not None, (place, text)
        assert "T" in text, (place, text)
        assert "[" not in text, (place, text)
    # One form everywhere: the case and its timeline write the same instant the same way.
    assert answers["timeline"][0]["at"] == answers["read"]["opened_at"]
    # A time keeps the offset it was given, so the client's wall time survives the trip.
    assert {text for place, text in found if place.endswith(".reply_by")} == {
        "2026-03-04T12:00:00+01:00"
    }
