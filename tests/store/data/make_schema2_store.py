"""How ``schema2_store.json`` was made: a store written by relationkit at schema version 2,
whose aggregates kept their whole history in their snapshots (snapshot version 1).

The timelines cover every list those snapshots held: a case's statements, paraphrases
(corrected and confirmed), deferrals, consultations in two rounds, decisions and a
reopening; promises renegotiated, stretched, withdrawn and broken; vendor tickets with
updates before and after the fix was relayed; a relationship with risk notes, three
proposals (rejected, withdrawn, ended), an end, a re-engagement and delegations (over,
revoked and in force). The events are made by the workflows directly (the care rules are
not the point), in three time zones, and stored with their snapshots; the file holds every
row of every table.

It only makes that file with a relationkit that writes schema version 2:
``python tests/store/data/make_schema2_store.py tests/store/data/schema2_store.json``.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

import pendulum

from relationkit import SqliteStore
from relationkit.cases import (
    Accept,
    Acknowledge,
    Close,
    Compromise,
    ConfirmHeard,
    Consult,
    CorrectParaphrase,
    Decline,
    Defer,
    Escalate,
    MatchExpectation,
    OpenCase,
    RecordExpectation,
    RecordStatement,
    Refer,
    Reopen,
    Resolve,
    StartWork,
)
from relationkit.domain.aggregate import Aggregate, Command
from relationkit.domain.feedback import GiveFeedback, RequestFeedback
from relationkit.domain.liaison import (
    ConfirmFix,
    EscalateToVendor,
    ProvideFix,
    RelayFix,
    UpdateClient,
    VendorAcknowledge,
)
from relationkit.domain.promise import (
    ApproveStretch,
    BreakPromise,
    KeepPromise,
    MakePromise,
    RenegotiatePromise,
    WarnPromise,
    WithdrawPromise,
)
from relationkit.domain.relationship import (
    Activate,
    Approve,
    Delegate,
    Dissent,
    End,
    ExpireProposal,
    MarkAtRisk,
    OpenRelationship,
    ProposeSeverance,
    Recover,
    ReEngage,
    Reject,
    RevokeDelegation,
    Withdraw,
)
from relationkit.store.schema import SCHEMA_VERSION
from relationkit.workflows.registry import default_workflows

WORKFLOWS = default_workflows()
START = pendulum.datetime(2026, 3, 2, 9, tz="Europe/Paris")


class Timeline:
    """One aggregate's events, made by its workflow as ``actor`` at ``at``."""

    def __init__(self, kind: str, aggregate_id: str, create: Command, actor: str, at: Any):
        self.workflow = WORKFLOWS[kind]
        self.subject, first = self.workflow.start(aggregate_id, create, actor, at)
        self.events = [first]
        self.at = at

    def then(self, command: Command, actor: str, **later: int) -> Timeline:
        self.at = self.at.add(**later) if later else self.at.add(minutes=10)
        attempt = types.SimpleNamespace(actor=types.SimpleNamespace(id=actor), now=self.at)
        self.events.append(self.workflow.step(self.subject, command, attempt))  # type: ignore[arg-type]
        return self


def cases() -> list[Timeline]:
    refund = Timeline(
        "case",
        "case-refund",
        OpenCase(client_id="c-ana", subject="Refund", statement="You charged me twice!"),
        "s-sam",
        START,
    )
    at = refund.at
    (
        refund.then(RecordStatement(text="Both in March."), "s-sam")
        .then(RecordStatement(text="And nobody called back."), "s-sam")
        .then(Acknowledge(paraphrase="You were charged twice."), "s-sam")
        .then(CorrectParaphrase(correction="Twice in March, and no call back."), "c-ana")
        .then(Acknowledge(paraphrase="Two March charges and no call."), "s-lee")
        .then(ConfirmHeard(), "c-ana")
        .then(Escalate(reason="Angry on the phone."), "s-lee")
        .then(RecordExpectation(text="A refund this week.", key="A"), "s-lee")
        .then(
            MatchExpectation(expectation="A", offering_id="o-care", scope_item="refunds"), "s-lee"
        )
        .then(Defer(reply_by=at.add(days=2), reason="Checking the ledger."), "s-lee")
        .then(Consult(colleague_id="s-mia", note="The second charge is ours."), "s-lee")
        .then(Consult(colleague_id="s-sam", note="He called twice."), "s-lee")
        .then(Consult(colleague_id="s-mia", note="Refund it."), "s-lee")
        .then(Decline(reason="Outside the window.", clause_id="refunds-30d"), "s-lee")
        .then(Resolve(summary="Explained the window."), "s-lee")
        .then(Close(), "s-lee")
        .then(Reopen(reason="The charge came again."), "s-sam", days=3)
        .then(RecordStatement(text="A third charge now."), "s-sam")
        .then(Acknowledge(paraphrase="A third charge came."), "s-sam")
        .then(ConfirmHeard(), "c-ana")
        .then(Consult(colleague_id="s-lee", note="Meet halfway."), "s-sam")
        .then(Defer(reply_by=at.add(days=5), reason="Asking finance."), "s-sam")
        .then(Defer(reply_by=at.add(days=6), reason="Finance is slow."), "s-sam")
        .then(Compromise(we_give="One charge back.", client_gives="Keeps the plan."), "s-sam")
        .then(StartWork(), "s-sam")
        .then(Resolve(summary="One charge refunded."), "s-sam")
    )
    ny = START.in_timezone("America/New_York")
    quick = Timeline(
        "case",
        "case-quick",
        OpenCase(client_id="c-bo", subject="Late parcel", statement="Two weeks late."),
        "s-mia",
        ny,
    )
    (
        quick.then(Acknowledge(paraphrase="Your parcel is two weeks late."), "s-mia")
        .then(ConfirmHeard(), "c-bo")
        .then(Accept(note="We ship again.", evidence=("tracking 12",)), "s-mia")
        .then(StartWork(), "s-mia")
        .then(Resolve(summary="Shipped again."), "s-mia")
        .then(Close(), "s-mia")
    )
    fresh = Timeline(
        "case",
        "case-fresh",
        OpenCase(client_id="c-bo", subject="Invoice", statement="What is this line?"),
        "s-mia",
        START.in_timezone("UTC").add(days=1),
    )
    referred = Timeline(
        "case",
        "case-referred",
        OpenCase(client_id="c-cy", subject="Tax", statement="Can you do my taxes?"),
        "s-sam",
        START.add(days=2),
    )
    referred.then(Refer(to="p-accountant", handoff_note="Wants tax help."), "s-sam")
    return [refund, quick, fresh, referred]


def promises() -> list[Timeline]:
    due = START.add(weeks=2)
    moved = Timeline(
        "promise",
        "promise-moved",
        MakePromise(owner_id="s-sam", party_id="c-ana", what="A refund", due_at=due),
        "s-sam",
        START,
    )
    (
        moved.then(RenegotiatePromise(due_at=due.add(days=2), party_told="Phoned."), "s-sam")
        .then(
            RenegotiatePromise(due_at=due.add(days=4), party_told="Mailed.", reason="Finance"),
            "s-sam",
        )
        .then(WarnPromise(), "s-sweeper", days=10)
        .then(RenegotiatePromise(due_at=due.add(days=5), party_told="Called again."), "s-sam")
        .then(KeepPromise(note="Refunded."), "s-sam")
    )
    stretch = Timeline(
        "promise",
        "promise-stretch",
        MakePromise(
            owner_id="s-lee",
            party_id="c-bo",
            what="A rush job",
            due_at=START.add(days=3).in_timezone("America/New_York"),
            stretch=True,
            stretch_reason="Their launch.",
        ),
        "s-lee",
        START,
    )
    (
        stretch.then(ApproveStretch(note="Fine."), "s-mia")
        .then(RenegotiatePromise(due_at=START.add(days=4), party_told="Told Bo."), "s-lee")
        .then(WithdrawPromise(reason="Launch cancelled."), "s-lee")
    )
    broken = Timeline(
        "promise",
        "promise-broken",
        MakePromise(
            owner_id="s-sam", party_id="c-cy", what="A call back", due_at=START.add(hours=4)
        ),
        "s-sam",
        START,
    )
    broken.then(BreakPromise(note="Missed."), "s-sweeper", hours=5)
    return [moved, stretch, broken]


def tickets() -> list[Timeline]:
    def escalate(case_id: str) -> EscalateToVendor:
        return EscalateToVendor(
            case_id=case_id,
            client_id="c-ana",
            vendor_id="v-tel",
            problem="Calls drop.",
            update_every=pendulum.duration(days=2),
            acknowledge_within=pendulum.duration(days=1),
            fix_within=pendulum.duration(days=5),
        )

    full = Timeline("vendor_ticket", "ticket-full", escalate("case-refund"), "s-al", START)
    (
        full.then(UpdateClient(message="Sent to Telco."), "s-al", hours=1)
        .then(UpdateClient(message="Still waiting."), "s-al", days=3)
        .then(
            VendorAcknowledge(vendor_reference="TEL-7", responded_at=full.at.add(days=2)),
            "s-al",
        )
        .then(UpdateClient(message="Telco is on it."), "s-al", days=1)
        .then(ProvideFix(fix="Reset the network settings."), "s-al", days=1)
        .then(RelayFix(message="Here is how to reset them."), "s-al", hours=2)
        .then(UpdateClient(message="Did it work?"), "s-al", days=1)
        .then(ConfirmFix(note="Works."), "c-ana")
    )
    waiting = Timeline("vendor_ticket", "ticket-waiting", escalate("case-quick"), "s-al", START)
    acknowledged = Timeline(
        "vendor_ticket", "ticket-acknowledged", escalate("case-fresh"), "s-al", START
    )
    (
        acknowledged.then(UpdateClient(message="Sent."), "s-al", hours=3).then(
            VendorAcknowledge(), "s-al", days=2
        )
    )
    return [full, waiting, acknowledged]


def relationships() -> list[Timeline]:
    rel = Timeline(
        "relationship",
        "rel-ana",
        OpenRelationship(party_id="c-ana", contract="care-plus"),
        "s-sam",
        START,
    )
    days = START.add(days=40)
    (
        rel.then(Activate(), "s-sam")
        .then(Delegate(to="s-kim", starts_at=START, ends_at=START.add(days=5)), "s-lee")
        .then(MarkAtRisk(reason="Billing disputes."), "s-sam", days=1)
        .then(Recover(reason="Sorted out."), "s-sam", days=2)
        .then(MarkAtRisk(reason="Disputes again."), "s-sam", days=3)
        .then(
            ProposeSeverance(
                reason="Monthly disputes.", evidence=("case-refund",), expires_at=days
            ),
            "s-sam",
        )
        .then(Approve(expires_at=days), "s-mia")
        .then(Dissent(reason="One more try."), "s-lee")
        .then(Reject(reason="Call them first."), "s-pat")
        .then(MarkAtRisk(reason="No answer to our call."), "s-sam", days=1)
        .then(ProposeSeverance(reason="Still disputes.", expires_at=days), "s-sam")
        .then(Withdraw(reason="They paid."), "s-sam")
        .then(Delegate(to="s-kim", starts_at=START.add(days=8), ends_at=days), "s-pat")
        .then(Delegate(to="s-jo", starts_at=START.add(days=8), ends_at=days), "s-mia")
        .then(RevokeDelegation(to="s-jo"), "s-mia")
        .then(MarkAtRisk(reason="Disputes again."), "s-sam", days=2)
        .then(ProposeSeverance(reason="Lost cause.", expires_at=START.add(days=14)), "s-sam")
        .then(ExpireProposal(), "s-sweeper", days=3)
        .then(MarkAtRisk(reason="Threatening to sue."), "s-sam")
        .then(ProposeSeverance(reason="Lawyers now.", expires_at=days), "s-sam")
        .then(Approve(expires_at=days), "s-mia")
        .then(Approve(expires_at=days, acting_for="s-pat", note="For Pat."), "s-kim")
        .then(End(amicable=True, conversation="We agreed to disagree."), "s-sam")
        .then(ReEngage(reason="New owner at the client."), "s-mia", days=20)
        .then(
            Delegate(to="s-lee", starts_at=START.add(days=60), ends_at=START.add(days=90)), "s-mia"
        )
    )
    prospect = Timeline("relationship", "rel-bo", OpenRelationship(party_id="c-bo"), "s-mia", START)
    return [rel, prospect]


def feedback() -> list[Timeline]:
    asked = Timeline(
        "feedback",
        "feedback-quick",
        RequestFeedback(case_id="case-quick", party_id="c-bo", kind="end_of_case"),
        "s-mia",
        START.add(days=1),
    )
    asked.then(GiveFeedback(csat=4, comment="Fast."), "c-bo", hours=3)
    return [asked]


def dump(path: Path) -> dict[str, Any]:
    """Every row of every table of the SQLite file at ``path``, with its columns."""
    db = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        found: dict[str, Any] = {}
        for table in tables:
            cursor = db.execute(f'SELECT * FROM "{table}" ORDER BY 1, 2')
            columns = [c[0] for c in cursor.description]
            found[table] = {"columns": columns, "rows": [list(r) for r in cursor]}
        return found
    finally:
        db.close()


def main(out: str) -> None:
    if SCHEMA_VERSION != 2:
        raise SystemExit(f"this relationkit writes schema version {SCHEMA_VERSION}, not 2")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "relations.db"
        store = SqliteStore(path)
        with store.unit_of_work() as uow:
            for timeline in (*cases(), *promises(), *tickets(), *relationships(), *feedback()):
                subject: Aggregate = timeline.subject
                uow.append(subject, timeline.events)
            uow.commit()
        store.close()
        data = dump(path)
    data.pop("rk_schema")  # when it was made: nothing a test reads
    text = json.dumps(data, indent=1, ensure_ascii=False)
    Path(out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
