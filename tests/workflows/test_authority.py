"""Who may run which command: staff by configurable role, a party only on its own case."""

from __future__ import annotations

import pytest

from relationkit import (
    CareConfig,
    NotFound,
    NotPermitted,
    Relations,
)
from relationkit.cases import (
    Accept,
    Acknowledge,
    Case,
    ConfirmHeard,
    CorrectParaphrase,
    Decline,
    Escalate,
    RecordStatement,
)
from relationkit.domain.aggregate import Command
from world import ACME, ANA, BO, CASE_RULES, MIA, NOOR, PAT, SAM, world


def make_relations(config: CareConfig = CASE_RULES) -> Relations:
    return world(ANA, BO, ACME, SAM, MIA, PAT, NOOR, config=config)


@pytest.fixture
def rk() -> Relations:
    return make_relations()


def acknowledged(rk: Relations, client: str = "c-ana") -> Case:
    case = rk.open_case(actor="s-sam", client=client, subject="Refund", statement="Pay me back.")
    return rk.handle(case.id, Acknowledge(paraphrase="You want a refund."), actor="s-sam")


def not_permitted(rk: Relations, case: Case, command: Command, actor: str) -> NotPermitted:
    before, timeline = rk.case(case.id), rk.timeline(case.id)
    with pytest.raises(NotPermitted) as caught:
        rk.handle(case.id, command, actor=actor)
    assert rk.case(case.id) == before
    assert rk.timeline(case.id) == timeline
    error = caught.value
    assert isinstance(error, PermissionError)
    assert (error.actor_id, error.command, error.aggregate_id) == (actor, command.NAME, case.id)
    assert str(error).startswith(f"refused: {command.NAME!r} on case {case.id!r} by {actor!r}; ")
    return error


@pytest.mark.parametrize("actor", ["s-sam", "s-mia", "s-pat"])
def test_every_default_role_may_run_staff_commands(rk: Relations, actor: str) -> None:
    case = acknowledged(rk)
    case = rk.handle(case.id, Escalate(reason="Angry."), actor=actor)
    assert rk.timeline(case.id)[-1].actor_id == actor


def test_staff_without_a_role_may_not_act(rk: Relations) -> None:
    case = acknowledged(rk)
    error = not_permitted(rk, case, Escalate(reason="Angry."), "s-new")
    assert "needs one of the roles agent, manager, partner" in str(error)
    assert "'s-new' holds no role" in str(error)
    assert "ask a colleague who holds one" in str(error)
    with pytest.raises(NotPermitted):
        rk.open_case(actor="s-new", client="c-ana", subject="X", statement="Y")


@pytest.mark.parametrize(
    "command",
    [Acknowledge(paraphrase="I want a refund."), Escalate(reason="Me."), Accept()],
    ids=lambda c: c.NAME,
)
def test_a_client_only_confirms_or_corrects(rk: Relations, command: Command) -> None:
    case = acknowledged(rk)
    error = not_permitted(rk, case, command, "c-ana")
    assert f"{command.NAME!r} is a staff command and 'c-ana' is a client" in str(error)
    assert "a party may only: confirm_heard, correct_paraphrase" in str(error)


def test_a_client_cannot_open_a_case_as_actor(rk: Relations) -> None:
    with pytest.raises(NotPermitted, match="'open' is a staff command") as caught:
        rk.open_case(actor="c-ana", client="c-ana", subject="X", statement="Y")
    assert caught.value.rule_id == "ROLE"
    assert rk.cases() == []


@pytest.mark.parametrize(
    "command", [ConfirmHeard(), CorrectParaphrase(correction="No.")], ids=lambda c: c.NAME
)
def test_the_client_answers_the_paraphrase(rk: Relations, command: Command) -> None:
    case = acknowledged(rk)
    after = rk.handle(case.id, command, actor="c-ana")
    assert rk.timeline(case.id)[-1].actor_id == "c-ana"
    assert after.paraphrase is not None
    assert after.paraphrase.outcome in ("confirmed", "corrected")


@pytest.mark.parametrize("stranger", ["c-bo", "v-acme"])
def test_a_stranger_party_is_refused(rk: Relations, stranger: str) -> None:
    case = acknowledged(rk)
    error = not_permitted(rk, case, ConfirmHeard(), stranger)
    assert f"{stranger!r} is not a party to case {case.id!r}" in str(error)
    assert "only its own client may answer for it" in str(error)


@pytest.mark.parametrize("actor", ["s-sam", "s-mia", "s-pat", "s-new"])
def test_staff_cannot_confirm_for_the_client(rk: Relations, actor: str) -> None:
    case = acknowledged(rk)
    error = not_permitted(rk, case, ConfirmHeard(), actor)
    assert "is the client's own answer; staff cannot give it for them" in str(error)
    error = not_permitted(rk, case, CorrectParaphrase(correction="No."), actor)
    assert "ask the client to do it" in str(error)


def test_every_party_kind_is_treated_alike(rk: Relations) -> None:
    case = acknowledged(rk, client="v-acme")
    assert rk.handle(case.id, ConfirmHeard(), actor="v-acme").heard
    assert rk.party("v-acme").kind == "vendor"


def test_command_roles_are_configurable() -> None:
    config = CASE_RULES.evolve(command_roles={"decline": {"manager", "partner"}})
    assert config.roles_for("decline") == frozenset({"manager", "partner"})
    assert config.roles_for("accept") == frozenset({"agent", "manager", "partner"})
    rk = make_relations(config)
    case = acknowledged(rk)
    case = rk.handle(case.id, ConfirmHeard(), actor="c-ana")
    decline = Decline(reason="Too late.", clause_id="refunds-30d")
    error = not_permitted(rk, case, decline, "s-sam")
    assert "'decline' needs one of the roles manager, partner" in str(error)
    assert "'s-sam' holds agent" in str(error)
    assert rk.handle(case.id, decline, actor="s-mia").state == "decided"


def test_staff_roles_are_configurable() -> None:
    rk = make_relations(CASE_RULES.evolve(staff_roles={"manager"}))
    case = rk.open_case(actor="s-mia", client="c-ana", subject="Refund", statement="Pay me back.")
    not_permitted(rk, case, RecordStatement(text="More."), "s-sam")
    assert rk.handle(case.id, RecordStatement(text="More."), actor="s-mia").state == "listening"


def test_party_commands_are_configurable() -> None:
    rk = make_relations(CASE_RULES.evolve(party_commands={"confirm_heard"}))
    case = acknowledged(rk)
    with pytest.raises(NotPermitted):
        rk.handle(case.id, CorrectParaphrase(correction="No."), actor="c-ana")
    assert rk.handle(case.id, CorrectParaphrase(correction="No."), actor="s-sam").state == (
        "listening"
    )


def test_an_unknown_actor_is_not_found(rk: Relations) -> None:
    case = acknowledged(rk)
    with pytest.raises(NotFound, match="no actor with id 's-ghost'") as caught:
        rk.handle(case.id, Escalate(reason="Angry."), actor="s-ghost")
    assert caught.value.kind == "actor"
    assert rk.case(case.id) == case


def test_authority_shows_in_what_may_i_do(rk: Relations) -> None:
    case = acknowledged(rk)
    by_client = {o.command: o for o in rk.options(case.id, actor="c-ana")}
    assert by_client["confirm_heard"].allowed
    assert by_client["correct_paraphrase"].allowed
    assert by_client["acknowledge"].rule_ids == ("ROLE",)
    by_staff = {o.command: o for o in rk.options(case.id, actor="s-sam")}
    assert by_staff["confirm_heard"].rule_ids == ("ROLE",)
    assert by_staff["acknowledge"].allowed
    by_stranger = {o.command: o for o in rk.options(case.id, actor="c-bo")}
    assert not any(o.allowed for o in by_stranger.values())
