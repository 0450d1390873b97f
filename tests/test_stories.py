"""The stories ``relationkit demo`` plays and the examples print: each plays as written on
every store, and is refused exactly where its narration says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from relationkit import Client, MemoryStore, Staff, Store
from relationkit.exceptions import NotFound
from relationkit.store.url import open_store
from relationkit.stories import Stage, StoryBroken, find_story, play, stories, transcript
from relationkit.testing import ManualClock

REFUSALS: dict[str, list[tuple[str, ...]]] = {
    "saying-no": [("R1", "R3"), ("R2",), ("R7",)],
    "expectations-and-promises": [("R5",), ("R4",)],
    "vendor-liaison": [("R8.relay",)],
    "feedback": [("R7",)],
    "ending-a-relationship": [
        ("R9.evidence",),
        ("R9.approvers",),
        ("R9.authority", "R9.quorum"),
        ("R9.approvers",),
        ("R9.authority", "R9.quorum"),
        ("R9.exit",),
        ("RelationshipEnded",),
    ],
}
"""The rules that refuse each story's steps, in the order the story meets them."""


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made: Store = (
        MemoryStore()
        if request.param == "memory"
        else open_store(f"sqlite:///{tmp_path / 'stories.db'}")
    )
    yield made
    close = getattr(made, "close", None)
    if close is not None:
        close()


def refusals(stage: Stage) -> list[tuple[str, ...]]:
    return [line.rule_ids for line in stage.lines if line.kind == "refused"]


def test_every_seed_story_is_registered() -> None:
    assert [s.name for s in stories()] == list(REFUSALS)
    for one in stories():
        assert one.title
        assert one.summary


@pytest.mark.parametrize("name", list(REFUSALS))
def test_each_story_is_refused_where_it_says(store: Store, name: str) -> None:
    stage = play(find_story(name), store)
    assert refusals(stage) == REFUSALS[name]
    for line in stage.lines:
        if line.kind == "refused":
            assert all(reason.strip() for reason in line.reasons)
    assert stage.shown, "a story shows at least one timeline"
    for shown in stage.shown:
        rows = stage.timeline(shown)
        assert [row[0] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
    assert stage.rk.verify_all().ok


def test_all_stories_play_one_after_another_on_one_store(store: Store) -> None:
    stage = play(stories(), store)
    assert refusals(stage) == [ids for name in REFUSALS for ids in REFUSALS[name]]
    report = stage.rk.verify_all()
    assert report.ok
    assert report.checked >= 20


def test_what_the_stories_leave_behind(store: Store) -> None:
    stage = play(stories(), store)
    rk = stage.rk
    assert rk.case("case-1042").state == "closed"
    assert rk.promises.get("promise-2201").state == "kept"
    assert rk.case("case-302").recurrence_of == "case-301"
    assert rk.relationships.get("rel-dana").state == "at_risk"
    ended = rk.relationships.get("rel-marek")
    assert ended.state == "ended"
    assert ended.exit is not None
    assert ended.exit.amicable
    assert sorted(ended.exit.approvers) == ["s-kofi", "s-lee"]


def test_playing_again_on_the_same_store_plays_beside_the_first(store: Store) -> None:
    clock = ManualClock()
    first = play(stories(), store, clock=clock)
    second = play(stories(), store, clock=clock)
    assert refusals(second) == refusals(first)
    assert second.rk.case("case-1042-2").client_id == "c-ana-2"
    assert second.rk.case("case-1042").client_id == "c-ana"
    assert second.rk.relationships.get("rel-marek-2").state == "ended"
    assert second.rk.verify_all().ok


def test_cast_suffixes_ids_only_when_the_people_exist() -> None:
    stage = play([], MemoryStore())
    ana = Client(id="c-ana", name="Ana Ruiz")
    sam = Staff(id="s-sam", name="Sam Ortiz", roles={"agent"})
    assert stage.cast(ana, sam) == ("c-ana", "s-sam")
    assert stage.id("case-1") == "case-1"
    assert stage.cast(ana, sam) == ("c-ana-2", "s-sam-2")
    assert stage.id("case-1") == "case-1-2"
    assert stage.rk.party("c-ana-2").name == "Ana Ruiz"


def test_a_refusal_that_does_not_come_breaks_the_story() -> None:
    stage = play([], MemoryStore())
    with pytest.raises(StoryBroken, match="expected a refusal"):
        stage.refused("registering nobody", lambda: stage.rk.register())
    with pytest.raises(StoryBroken, match="not so"):
        stage.check(False, "the sky is green")
    assert stage.lines == []


def test_an_unknown_story_names_the_known_ones() -> None:
    with pytest.raises(NotFound, match="known stories: saying-no, expectations-and-promises"):
        find_story("nope")


def test_the_transcript_reads_as_a_story() -> None:
    chosen = find_story("ending-a-relationship")
    text = transcript(chosen, play(chosen, MemoryStore()))
    assert text.startswith(chosen.title)
    assert "REFUSED   Olivia approves her own proposal" in text
    assert "R9.approvers: 's-olivia' proposed this severance" in text
    assert "timeline of relationship rel-marek" in text
    assert "acting for: Kofi Mensah" in text  # people by name, not by id
    assert "RelationshipEnded" in text
