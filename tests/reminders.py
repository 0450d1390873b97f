"""A small aggregate with a due time, for the store and sweep tests (not a test module)."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
import pendulum
from statemachine import State, StateMachine

from relationkit import Relations, Staff
from relationkit.config import CareConfig
from relationkit.domain.aggregate import Aggregate, Command
from relationkit.domain.events import Event
from relationkit.domain.values import aware, required
from relationkit.sweeps import make_sweep
from relationkit.workflows.engine import Workflow

NOW = pendulum.datetime(2026, 3, 2, 9, tz="Europe/Paris")


@attrs.define(kw_only=True)
class Reminder(Aggregate):
    KIND: ClassVar[str] = "reminder"
    INDEXED: ClassVar[tuple[str, ...]] = ("state", "due_at")

    due_at: pendulum.DateTime
    note: str = ""
    sent_at: pendulum.DateTime | None = None

    def _on_send(self, command: Command, event: Event) -> None:
        self.sent_at = event.at


@attrs.frozen(kw_only=True)
class SetReminder(Command):
    NAME: ClassVar[str] = "set_reminder"
    EVENT: ClassVar[str] = "ReminderSet"

    due_at: pendulum.DateTime = attrs.field(validator=aware)
    note: str = attrs.field(validator=required)


@attrs.frozen(kw_only=True)
class SendReminder(Command):
    NAME: ClassVar[str] = "send"
    EVENT: ClassVar[str] = "ReminderSent"


class ReminderFlow(StateMachine):
    pending = State("Pending", initial=True)
    sent = State("Sent", final=True)

    send = pending.to(sent)


def _make(event: Event, command: Any, state: str) -> Reminder:
    made = Reminder(id=event.aggregate_id, state=state, due_at=command.due_at, note=command.note)
    made.version = event.sequence
    made.head = event.hash
    return made


REMINDERS = Workflow(
    aggregate=Reminder,
    machine=ReminderFlow,
    create=SetReminder,
    commands=(SendReminder,),
    make=_make,
)

SEND_DUE = make_sweep(
    name="send-due-reminders",
    aggregate=Reminder,
    actor="s-robot",
    due=lambda now: {"state": "pending", "due_at__le": now},
    handle=lambda reminder, now: SendReminder(),
)


def relations(store: Any, config: CareConfig | None = None) -> Relations:
    """A service over ``store`` that knows reminders and has the robot registered."""
    rk = Relations(store, config=(config or CareConfig()).with_workflow(REMINDERS))
    with rk.store.unit_of_work() as uow:
        known = uow.find_record(Staff, "s-robot") is not None
    if not known:  # each worker opens the store anew
        rk.register(Staff(id="s-robot", name="Robot", roles={"agent"}))
    return rk


def add_reminders(rk: Relations, count: int, *, due: pendulum.DateTime = NOW) -> list[str]:
    """``count`` pending reminders, due at ``due`` plus one minute per index."""
    ids = []
    with rk.store.unit_of_work() as uow:
        for n in range(count):
            command = SetReminder(due_at=due.add(minutes=n), note=f"reminder {n}")
            made, event = REMINDERS.start(f"r-{n:05d}", command, "s-robot", due)
            uow.append(made, [event])
            ids.append(made.id)
        uow.commit()
    return ids
