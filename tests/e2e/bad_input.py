"""The kinds of bad input a foreign producer sends, and what each must get (docs/bad-input.md).

Each kind is an ``article`` and ``options`` pair as they arrive in a Celery message's kwargs;
the CLI test sends the same pairs as JSONL lines. ``CLI_KINDS`` are bytes that only a CLI user
can send: JSONL lines and files that are not what they claim to be. ``status`` is the stored
result's status; ``says`` is a pattern its error message (or, for a `done` result, one of its
warnings) must contain.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import Any

GOOD = "The council approved the budget on Monday. Officials said schools would get more money."


@dataclass(frozen=True)
class Kind:
    """One kind of bad input and what it must get."""

    name: str
    article: Any
    options: Any = field(default_factory=dict)
    status: str = "failed"
    says: str = ""


KINDS = [
    Kind("missing text", {"title": "No body"}, says="text"),
    Kind("empty text", {"text": ""}, says="text"),
    Kind("whitespace-only text", {"text": " \n\t  \n"}, says="no sentences|no article text|text"),
    Kind("text is a number", {"text": 42}, says="text"),
    Kind("text is a list", {"text": ["a", "b"]}, says="text"),
    Kind("text is an object", {"text": {"body": GOOD}}, says="text"),
    Kind("text is null", {"text": None}, says="text"),
    Kind("article is a string", GOOD, says="JSON object"),
    Kind("article is a list", [GOOD], says="JSON object"),
    Kind("article is null", None, says="JSON object"),
    Kind("title is a number", {"text": GOOD, "title": 5}, says="title"),
    Kind("id with a path in it", {"text": GOOD, "id": "../../etc/passwd"}, says="id"),
    Kind("language is not a code", {"text": GOOD, "language": 12}, says="language"),
    Kind("unknown article field", {"text": GOOD, "colour": "red"}, status="done"),
    Kind("options is a string", {"text": GOOD}, "fast", says="options must be a JSON object"),
    Kind("options is a list", {"text": GOOD}, [1, 2], says="options must be a JSON object"),
    Kind("unknown option", {"text": GOOD}, {"fancy": True}, says="fancy"),
    Kind("summary_sentences 0", {"text": GOOD}, {"summary_sentences": 0}, says="summary_sentences"),
    Kind(
        "summary_sentences 10000",
        {"text": GOOD},
        {"summary_sentences": 10_000},
        says="summary_sentences",
    ),
    Kind(
        "summary_sentences a word",
        {"text": GOOD},
        {"summary_sentences": "three"},
        says="summary_sentences",
    ),
    Kind("max_topics negative", {"text": GOOD}, {"max_topics": -1}, says="max_topics"),
    Kind(
        "min_topic_score above 1", {"text": GOOD}, {"min_topic_score": 2.0}, says="min_topic_score"
    ),
    Kind("summary_ratio 0", {"text": GOOD}, {"summary_ratio": 0}, says="summary_ratio"),
    Kind("summary_words 1", {"text": GOOD}, {"summary_words": 1}, says="summary_words"),
    Kind("unknown taxonomy", {"text": GOOD}, {"taxonomy": "sports"}, says="unknown taxonomy"),
    Kind(
        "taxonomy given as a path",
        {"text": GOOD},
        {"taxonomy": "../../etc/passwd"},
        says="taxonomy",
    ),
    Kind("20 MB of text", {"text": "word " * 4_000_000}, says="limit"),
    Kind("NUL bytes", {"text": f"{GOOD}\x00\x00 More text.\x00"}, says="NUL bytes"),
    Kind(
        "lone surrogates (invalid UTF-8)", {"text": f"{GOOD} \udcff\udcfe broken."}, says="unicode"
    ),
    Kind(
        "HTML with no text",
        {"text": "<html><body><script>x()</script><nav>Home</nav></body></html>"},
        says="no sentences|no article text",
    ),
    Kind("binary data", {"text": bytes(range(256)).decode("latin-1") * 40}, says="NUL bytes"),
    Kind("one 100,000-word sentence", {"text": "ab " * 100_000}, status="done"),
    Kind("50,000 one-word sentences", {"text": "Word. " * 50_000}, status="done"),
    Kind(
        "non-English article",
        {
            "text": "Der Stadtrat hat am Montag den neuen Haushalt "
            "beschlossen. Die Mittel fließen in Schulen."
        },
        status="done",
        says="unsupported_language",
    ),
]


@dataclass(frozen=True)
class RawKind:
    """Bad bytes given to `newsworker enqueue`: a JSONL line, or a file with `suffix`."""

    name: str
    data: bytes
    suffix: str = ""  # "": a line of the JSONL file
    status: str = "failed"
    says: str = ""


HTML_WITHOUT_TEXT = b"<html><body><script>x()</script><nav>Home</nav></body></html>"

CLI_KINDS = [
    RawKind("JSONL line that is not JSON", b"this is not json {", says="not valid JSON"),
    RawKind(
        "JSONL line that is not UTF-8",
        b'{"text": "Caf\xe9 owners \xff\xfe said no."}',
        says="not valid UTF-8",
    ),
    RawKind(
        "JSONL line holding a pickle",
        pickle.dumps({"text": GOOD}).replace(b"\n", b" "),
        says="not valid UTF-8|not valid JSON",
    ),
    RawKind("empty file", b"", ".txt", says="text"),
    RawKind("binary file", bytes(range(256)) * 40, ".bin", says="NUL bytes"),
    RawKind("JSON file that is not JSON", b"{text: unquoted}", ".json", says="not valid JSON"),
    RawKind("JSON file holding a list", b'["a", "b"]', ".json", says="JSON object"),
    RawKind("HTML file with no text", HTML_WITHOUT_TEXT, ".html", says="no article text"),
    RawKind(
        "text file that is not UTF-8 (cp1252)",
        f"{GOOD} Caf\u00e9 owners said \u201cno\u201d.".encode("cp1252"),
        ".txt",
        status="done",
    ),
]
