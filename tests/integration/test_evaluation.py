"""`newsworker eval` end to end on a tiny JSONL file of articles written for these tests.

The runner drives the real pipeline (the session fixture) and both baselines; the command is
also run through typer with the baselines only, so that no second model is loaded. Entities are
scored on a few Reuters-shaped rows (dateline apart, indexers' tags) written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from worker.nlp.pipeline import Pipeline
from worker.schemas import Article, Entity
from worker.tools.evaluation.command import eval_command
from worker.tools.evaluation.datasets import Fields, PresetName, load_dataset, resolve_fields
from worker.tools.evaluation.evaluate import EvalConfig, evaluate, pipeline_options
from worker.tools.evaluation.hierarchy import tree_of
from worker.tools.evaluation.readability import RULES

RELAY = [
    "Kellsby Harriers won the county relay championship on Sunday, beating the holders by "
    "four seconds on the final leg.",
    "The team of four runners set a club record of 41 minutes over the ten-kilometre course.",
    "Captain Jo Penrose said the athletes had trained hard for the race since January.",
    "The athletics club will now represent the county at the national relay championships.",
]
CLINIC = [
    "Doctors at Westbrook General Hospital have opened a clinic for patients with long-term "
    "breathing problems.",
    "The clinic will treat up to forty patients a day and offer lung tests without a referral.",
    "Hospital managers said waiting times for specialist appointments had doubled in two years.",
    "Nurses at the clinic will also teach patients how to use their inhalers correctly.",
]
ELECTION = [
    "The regional parliament voted on Thursday to hold an early election in the autumn.",
    "Members backed the motion by 48 votes to 31 after the governing coalition lost its "
    "majority last month.",
    "The first minister said voters deserved the chance to choose a new government.",
    "Opposition parties said the election campaign would begin in September.",
]
ROWS: list[dict[str, Any]] = [
    {
        "id": "relay",
        "headline": "Kellsby Harriers win county relay title",
        "body": "\n\n".join(RELAY),
        "highlights": RELAY[:2],  # exactly Lead-2
        "topic": "sport",
    },
    {
        "id": "clinic",
        "headline": "Westbrook hospital opens breathing clinic",
        "body": "\n\n".join(CLINIC),
        "highlights": "A new hospital clinic treats breathing problems.\nWaiting times doubled.",
        "topic": "health",
    },
    {
        "id": "election",
        "headline": "Regional parliament votes for early election",
        "body": "\n\n".join(ELECTION),
        "highlights": ELECTION[:1] + ELECTION[2:3],
        "topic": "politics",
    },
    {"id": "blank", "headline": "Nothing here", "body": "   ", "highlights": "x", "topic": "sport"},
]
FIELDS = Fields(text="body", title="headline", summary="highlights", label="topic")


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    return path


def test_summaries_and_topics_are_scored_for_every_system(pipeline: Pipeline, jsonl: Path) -> None:
    data = load_dataset(jsonl, FIELDS, 2, None, None)
    report = evaluate(data, pipeline, EvalConfig(topic_depth=1))  # the labels are top-level
    summaries = report["summaries"]
    assert set(summaries) == {"pipeline", "lead", "textrank"}
    records = {record["id"]: record for record in report["items"]}
    assert records["relay"]["rouge"]["lead"]["rouge1"] == 100.0
    for system in ("pipeline", "lead", "textrank"):
        assert 0.0 < summaries[system]["rouge1"] < 100.0
        assert summaries[system]["failed"] == 1  # the blank article, scored as empty
        assert records["blank"]["rouge"][system]["rouge1"] == 0.0
    assert summaries["lead"]["departures"] == {"departures": 0, "higher": 0, "lower": 0, "same": 0}
    assert summaries["lead"]["readability"] == {rule: 0.0 for rule in (*RULES, "any")}
    moves = summaries["textrank"]["departures"]
    assert moves["departures"] == moves["higher"] + moves["lower"] + moves["same"]
    # a row without text is sent as its title, as a wire flash; "Nothing here" is no article
    assert "no article text" in records["blank"]["errors"]["pipeline"]
    assert report["warnings"] and "refused 1 of 4" in report["warnings"][0]
    topics = report["topics"]
    assert topics["mode"] == "single-label"
    assert topics["items"] == 4
    assert topics["without_prediction"] == 1
    assert topics["accuracy"] == 75.0  # three right, the blank one has no prediction
    assert sum(map(sum, topics["confusion"]["matrix"])) == 4


def test_multi_label_topics_use_every_returned_topic(pipeline: Pipeline, tmp_path: Path) -> None:
    rows = [{**row, "topic": [row["topic"]]} for row in ROWS[:3]]
    path = tmp_path / "multi.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    data = load_dataset(path, Fields(text="body", title="headline", label="topic"), 3, None, None)
    config = EvalConfig(systems=("pipeline",), max_topics=2, topic_depth=1)
    report = evaluate(data, pipeline, config)
    assert "summaries" not in report
    assert report["topics"]["mode"] == "multi-label"
    assert report["topics"]["micro_recall"] == 100.0
    assert all(len(record["predicted"]) <= 2 for record in report["items"])


def test_command_prints_the_table_and_writes_json(jsonl: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("eval")(eval_command)
    app.command("other")(lambda: None)  # two commands, so that "eval" is a subcommand
    output = tmp_path / "report.json"
    args = ["eval", str(jsonl), "--text-field", "body", "--title-field", "headline"]
    args += ["--summary-field", "highlights", "--label-field", "-", "--k", "2"]
    args += ["--systems", "lead,textrank", "--output", str(output)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "Lead-2" in result.output
    assert "TextRank" in result.output
    assert "do not read on their own" in result.output
    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["dataset"]["items"] == 4
    assert report["summaries"]["lead"]["failed"] == 1
    assert report["model"] is None
    assert "topics" not in report


# Reuters-shaped rows written for this test: the dateline apart from the text, indented
# paragraphs, indexers' tags. (Reuters also hard-wraps lines at ~65 characters; that is left out
# here, so that the test does not depend on how the cleaner treats short unpunctuated lines.)
WIRE: list[dict[str, Any]] = [
    {
        "id": "rice",
        "title": "JAPAN TO CUT RICE SUBSIDIES, MIYAZAWA SAYS",
        "dateline": "TOKYO, March 3 -",
        "text": "Japan will cut its rice subsidies by ten pct next year, Finance Minister "
        "Kiichi Miyazawa told parliament.\n    He said the cuts were agreed with farm groups "
        "after talks with the United States on farm trade.\n",
        "labels": ["rice"],
        "places": ["japan", "usa"],
        "people": ["miyazawa"],
        "orgs": [],
    },
    {
        "id": "crude",
        "title": "OPEC OUTPUT ABOVE CEILING, SURVEY SHOWS",
        "dateline": "LONDON, March 4 -",
        "text": "Crude oil output of the Organization of Petroleum Exporting Countries "
        "rose above its agreed ceiling last month, a survey of oil companies showed.\n"
        "    Saudi Arabia pumped more than its quota, the survey said.\n",
        "labels": ["crude"],
        "places": ["uk", "saudi-arabia"],
        "people": [],
        "orgs": ["opec"],
    },
    {
        "id": "grain",
        "title": "EC FARM MINISTERS MEET ON PRICES",
        "dateline": "BRUSSELS, March 5 -",
        "text": "European Community farm ministers met in Brussels to set grain prices "
        "for the coming season, and West German officials asked for higher prices.\n",
        "labels": ["grain"],
        "places": ["belgium", "west-germany", "east-ruritania"],
        "people": [],
        "orgs": ["ec"],
    },
]


def test_entities_are_scored_against_the_wire_tags(pipeline: Pipeline, tmp_path: Path) -> None:
    path = tmp_path / "reuters-tiny.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in WIRE), encoding="utf-8")
    fields = resolve_fields(PresetName.REUTERS)
    data = load_dataset(path, fields, 3, PresetName.REUTERS, None)
    assert data.items[0].text.startswith("TOKYO, March 3 - Japan will cut")
    config = EvalConfig(systems=("pipeline",))
    report = evaluate(data, pipeline, config)
    entities = report["entities"]
    assert set(entities) == {"place", "person", "organisation"}
    assert [entities[k]["gold"] for k in ("place", "person", "organisation")] == [6, 1, 2]
    assert entities["place"]["unmapped"] == {"east-ruritania": 1}
    assert any("east-ruritania" in warning for warning in report["warnings"])
    for kind, row in entities.items():
        assert all(0.0 <= row[name] <= 100.0 for name in ("p", "r", "f1")), kind
        assert row["items"] == {"place": 3, "person": 1, "organisation": 2}[kind]  # with gold
        assert 0 <= row["matched"] <= min(row["gold"], row["predicted"])
        assert row["r"] > 0.0, kind  # Japan, Miyazawa, OPEC: plain names the tagger finds
    for item, record in zip(data.items, report["items"], strict=True):
        options = pipeline_options(data, config, record["k"])
        result = pipeline.process(Article(text=item.text, title=item.title), options)
        assert result.dateline is not None and result.dateline.place == item.text.split(",")[0]
        _check_predicted_counts(record["entities"], result.entities)


def _check_predicted_counts(record: dict[str, Any], entities: list[Entity]) -> None:
    """An item's predictions are exactly its result's entities (places: distinct countries),
    for each type the item has gold tags of."""
    countries = {e.country for e in entities if e.type == "place" and e.country}
    assert record["place"]["predicted"] == len(countries)
    for kind in set(record) & {"person", "organisation"}:
        assert record[kind]["predicted"] == sum(e.type == kind for e in entities)


def test_topics_are_scored_on_the_iptc_tree(pipeline: Pipeline, tmp_path: Path) -> None:
    iptc = Path(__file__).parents[2] / "models" / "taxonomy" / "iptc-mediatopics.yaml"
    tree = tree_of(iptc)
    assert tree is not None
    rows = [  # gold below the top level: athletics (sport), hospital (health), election (politics)
        {"id": "relay", "text": "\n\n".join(RELAY), "qcode": "medtop:20000827"},
        {"id": "clinic", "text": "\n\n".join(CLINIC), "qcode": "hospital"},
        {"id": "election", "text": "\n\n".join(ELECTION), "qcode": "medtop:20000574"},
    ]
    path = tmp_path / "tree.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    data = load_dataset(path, Fields(text="text", label="qcode"), 2, None, None)
    report = evaluate(data, pipeline, EvalConfig(systems=("pipeline",), hierarchy=tree))
    scores = report["hierarchy"]
    assert scores["items"] == 3 and scores["unmapped"] == {}
    assert all(len(record["predicted"]) == 3 for record in report["items"])  # top 3 on a tree
    # the tagger walks the tree: each story's first topic lies on its gold path's branch
    assert scores["levels"][1] == scores["levels"][2] == {"accuracy": 100.0, "items": 3}
    assert 0 < scores["hp"] < 100 and 0 < scores["hr"] <= 100
    assert scores["exact_at_3"] > 0  # "hospital" among the clinic story's first three
    # the flat scores name gold QCodes as the tree names its terms
    assert {row["label"] for row in report["topics"]["per_label"]} >= {"hospital", "athletics"}
