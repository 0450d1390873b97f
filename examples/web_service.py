"""A small web service that runs relationkit's cases over HTTP, on an SQLite file.

What it shows:

* one store and one :class:`~relationkit.Relations` per process, opened at start-up;
* one unit of work per request: every command is one call to relationkit, which reads,
  checks the care rules, appends the event and commits, or changes nothing;
* relationkit's typed errors mapped to proper HTTP answers: a care rule's refusal is a
  409 with the rule ids and their reasons, never a 500;
* every time in its JSON in one ISO 8601 form, ``2026-03-02T09:00:00+01:00``, which any
  client parses (relationkit's stored form adds the zone's name in brackets, which
  ``datetime.fromisoformat`` and JavaScript's ``Date`` refuse).

Run it (needs the ``web`` extra, ``pip install ".[web]"`` in the source folder, and an
ASGI server such as uvicorn)::

    uvicorn --factory web_service:create_app

Every request names who acts in the ``X-Actor`` header. A real application takes the actor
from its authentication instead, and never from what the client sends.
"""

from typing import Annotated, Any

import cattrs
import pendulum
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from relationkit import (
    AlreadyRegistered,
    Client,
    ConcurrencyError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
    RelationkitError,
    Relations,
    RuleViolation,
    RuleViolations,
    Staff,
)
from relationkit.cases import Case
from relationkit.policy import Clause, Policy
from relationkit.serialization import converter, make_converter
from relationkit.store.url import open_store
from relationkit.typing import Clock
from relationkit.workflows.case import CASE_WORKFLOW

CASE_COMMANDS = CASE_WORKFLOW.commands_named()
"""The case commands this service exposes, by name (``acknowledge``, ``decline`` …)."""

Actor = Annotated[str, Header(alias="X-Actor", description="Who acts (a staff or party id).")]
Registrar = Annotated[
    str | None,
    Header(
        alias="X-Actor",
        description="Who registers (a staff id); left out, relationkit's setup registers "
        "the first people of a new store, while nobody may.",
    ),
]


# --- request bodies ---------------------------------------------------------------------------


class Body(BaseModel):
    """A request body: read strictly, so a wrong type is refused (422), never coerced
    (``"yes"`` is not ``true``, ``true`` is not version 1), and unknown fields are refused."""

    model_config = ConfigDict(strict=True, extra="forbid")


class NewClient(Body):
    id: str
    name: str


class NewStaff(Body):
    id: str
    name: str
    roles: list[str] = Field(default_factory=list)


class NewClause(Body):
    id: str
    text: str


class NewPolicy(Body):
    version: int
    clauses: list[NewClause]


class NewCase(Body):
    client: str
    subject: str
    statement: str
    escalated: bool = False


class CommandBody(Body):
    arguments: dict[str, Any] = Field(default_factory=dict)
    expected_version: int | None = None


# --- errors to HTTP ---------------------------------------------------------------------------


def problem(exc: Exception) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body for an error relationkit raised."""
    body: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, NotPermitted):  # the gate ROLE: this actor may not do this at all
        body["violations"] = [{"rule_id": exc.rule_id, "reason": exc.reason}]
        return 403, body
    if isinstance(exc, RuleViolations | RuleViolation):
        found = exc.violations if isinstance(exc, RuleViolations) else (exc,)
        body["violations"] = [{"rule_id": v.rule_id, "reason": v.reason} for v in found]
        return 409, body
    if isinstance(exc, InvalidTransition):
        body.update(state=exc.state, allowed=list(exc.allowed))
        return 409, body
    if isinstance(exc, ConcurrencyError | AlreadyRegistered):  # AlreadyRegistered: a taken id
        return 409, body
    if isinstance(exc, NotFound):
        return 404, body
    if isinstance(exc, InvalidInput):
        return 422, body
    return 500, body  # corrupted data or a failing database: not a refusal


def bad_arguments(command: str, exc: cattrs.BaseValidationError) -> InvalidInput:
    """The error for command arguments that could not be read, naming what was wrong."""
    reasons = []
    for inner in exc.exceptions:
        if isinstance(inner, KeyError):
            reasons.append(f"the argument {inner.args[0]!r} is missing")
        else:
            reasons.append(str(inner))
    return InvalidInput(
        f"refused: the arguments of {command!r}; {'; '.join(reasons)}; "
        'send them as {"arguments": {...}}.',
        field="arguments",
    )


# --- JSON out ---------------------------------------------------------------------------------


def iso(moment: pendulum.DateTime) -> str:
    """A time as this service writes it: ISO 8601 with its offset, the local wall time kept."""
    return moment.isoformat()


to_json = make_converter()
"""relationkit's converter, except for times: they are written with :func:`iso`. Requests
are read with relationkit's own converter, which takes this form too."""
to_json.register_unstructure_hook(pendulum.DateTime, iso)


def case_body(case: Case) -> dict[str, Any]:
    """A case as JSON."""
    data: dict[str, Any] = to_json.unstructure(case)
    return data


# --- the application --------------------------------------------------------------------------


def create_app(db: str = "relations.db", *, clock: Clock | None = None) -> FastAPI:
    """The web service, on the store ``db`` names (an SQLite file by default)."""
    rk = Relations(open_store(db), clock=clock)  # one store per process
    app = FastAPI(title="relationkit cases")
    app.state.relations = rk

    @app.exception_handler(RelationkitError)
    async def refused(request: Request, exc: RelationkitError) -> JSONResponse:
        status, body = problem(exc)
        return JSONResponse(body, status_code=status)

    @app.post("/clients", status_code=201)
    def register_client(body: NewClient, actor: Registrar = None) -> dict[str, str]:
        rk.register(Client(id=body.id, name=body.name), actor=actor)
        return {"id": body.id}

    @app.post("/staff", status_code=201)
    def register_staff(body: NewStaff, actor: Registrar = None) -> dict[str, str]:
        rk.register(Staff(id=body.id, name=body.name, roles=set(body.roles)), actor=actor)
        return {"id": body.id}

    @app.post("/policies", status_code=201)
    def publish_policy(body: NewPolicy, actor: Registrar = None) -> dict[str, int]:
        clauses = [Clause(id=c.id, text=c.text) for c in body.clauses]
        policy = Policy(version=body.version, published_at=rk.now(), clauses=clauses)
        rk.policy.publish(policy, actor=actor)
        return {"version": body.version}

    @app.post("/cases", status_code=201)
    def open_case(body: NewCase, actor: Actor) -> dict[str, Any]:
        case = rk.open_case(
            actor=actor,
            client=body.client,
            subject=body.subject,
            statement=body.statement,
            escalated=body.escalated,
        )
        return case_body(case)

    @app.get("/cases/{case_id}")
    def get_case(case_id: str) -> dict[str, Any]:
        return case_body(rk.case(case_id))

    @app.get("/cases/{case_id}/timeline")
    def timeline(case_id: str) -> list[dict[str, Any]]:
        return [
            {"sequence": e.sequence, "name": e.name, "actor_id": e.actor_id, "at": iso(e.at)}
            for e in rk.timeline(case_id)
        ]

    @app.get("/cases/{case_id}/options")
    def options(case_id: str, actor: Actor) -> list[dict[str, Any]]:
        return [
            {"command": o.command, "allowed": o.allowed, "blocked_by": list(o.rule_ids)}
            for o in rk.options(case_id, actor=actor)
        ]

    @app.post("/cases/{case_id}/{command}")
    def run_command(case_id: str, command: str, body: CommandBody, actor: Actor) -> dict[str, Any]:
        cls = CASE_COMMANDS.get(command)
        if cls is None:
            raise NotFound("case command", command, f"known: {', '.join(sorted(CASE_COMMANDS))}")
        try:
            parsed = converter.structure(body.arguments, cls)
        except cattrs.BaseValidationError as exc:
            raise bad_arguments(command, exc) from None
        case = rk.handle(case_id, parsed, actor=actor, expected_version=body.expected_version)
        return case_body(case)

    return app
