"""Turn what users send (plain text, HTML, a scraped page) into a title and article paragraphs.

Scraped pages carry junk after and inside the story: related headlines, comment forms, "You
Missed" lists, photo captions repeated with credits, section sub-headings. None of it may reach
the summary, so it is removed here: the page is cut at the first end-of-article marker, caption
and credit lines are dropped, repeated paragraphs are dropped, and short unpunctuated lines are
treated as headings. A dateline or wire credit at the head of the story ("LONDON (Reuters) -")
is taken off the first paragraph and kept apart.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field

import trafilatura

from worker.errors import NoTextFound
from worker.nlp.datelines import split_dateline
from worker.schemas import Dateline

# A line equal to one of these (ignoring bullets, case and a trailing colon) ends the article.
END_MARKERS = frozenset(
    {
        "source link",
        "source",
        "related posts",
        "related articles",
        "related stories",
        "related",
        "leave a reply",
        "leave a comment",
        "you missed",
        "you may also like",
        "you might also like",
        "more stories",
        "more from",
        "read more",
        "recommended",
        "recommended for you",
        "comments",
        "share this",
        "share this article",
        "also read",
        "trending",
        "trending now",
        "popular posts",
        "most read",
        "most popular",
        "subscribe to our newsletter",
        "sign up for our newsletter",
        "post navigation",
        "about the author",
        "tags",
        "related topics",
        "more on this story",
    }
)
# Lines equal to one of these are dropped wherever they are.
DROP_LINES = frozenset(
    {
        "advertisement",
        "skip to content",
        "skip to main content",
        "share",
        "listen",
        "print",
        "image",
        "video",
        "getty images",
        "continue reading",
        "story continues below advertisement",
    }
)
CREDIT = re.compile(
    r"\((?:photo|photograph|picture|image|file photo)s?\s*(?:by|:|credit)[^)]*\)"
    r"|\[[^\]\n]{2,80}/[^\]\n]{2,40}\]\s*$"
    r"|^(?:image caption|photo caption|caption|image source|photo|credit|image)\s*:",
    re.IGNORECASE,
)
BOILERPLATE = re.compile(
    r"^(?:©|copyright\s*(?:©|\(c\)|\d{4})|all rights reserved|click here|sign up\b|follow us\b"
    r"|read more\s*:)",
    re.IGNORECASE,
)
# Page furniture lines: bylines and credits, timestamps, share and listen buttons, reading time.
FURNITURE = re.compile(
    r"^(?:by\s+(?-i:(?:[A-Z][\w.'’-]*\s*){1,4})(?:(?:,|\band\b|\||-|—)\s*[^.!?]{0,60})?"
    r"|(?:additional\s+)?reporting\s+by\b[^.!?]{0,120}\.?|(?:writing|editing)\s+by\b[^.!?]{0,120}\.?"
    r"|(?:published|updated|last\s+updated|posted|first\s+published)(?:\s+on)?\s*:?[^.!?]{0,60}\d[^.!?]{0,30}"
    r"|\d{1,3}\s*(?:-\s*)?min(?:ute)?s?\s+read|listen\s+to\s+this\s+(?:article|story)"
    r"|(?:share|tweet)\s+(?:on|via|to)\s+(?:facebook|twitter|x|email|whatsapp|linkedin)\b.{0,80}"
    r"|tags?\s*:.{0,200})$",
    re.IGNORECASE,
)
HTML_HINT = re.compile(r"<(?:!doctype|html|body|article|div|p|br|span|h[1-6])\b", re.IGNORECASE)
TERMINAL = re.compile(r"[.!?…:;][\"'”’)\]]*$|[\"”][.!?]?$")
BULLET = re.compile(r"^[\s•·▪●◦‣\-–—*>]+")
TITLE_SUFFIX = re.compile(r"\s+[|–—]\s+[^|–—]{1,60}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\ufeff]")
LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85]")
PREFIX_WORDS = 8
HEADING_MAX_WORDS = 14
MIN_BODY_BEFORE_CUT = 1  # kept lines before an end marker ends the article
MIN_BRIEF_WORDS = 4
INDENT = re.compile(r"^[ \t]{2,}\S")  # a paragraph's first line in hard-wrapped wire copy
WRAP_WIDTH = 80  # lines of wrapped copy are no longer than this
MIN_INDENTED = 2
SENTENCE_END = (".", "!", "?", ":", '"', "'", "”", "’")
MAX_LONG_SHARE = 0.05  # fewer words without a sentence ("Home", "Menu") are not an article


@dataclass
class CleanText:
    """The article as the rest of the pipeline sees it."""

    title: str | None
    paragraphs: list[str]
    headings: list[str] = field(default_factory=list)
    dropped: int = 0
    # every kept line in reading order, headings and table rows too: what the fingerprint reads
    # (worker.nlp.fingerprint), which must not depend on which lines count as paragraphs
    lines: list[str] = field(default_factory=list)
    dateline: Dateline | None = None  # taken off the first paragraph (worker.nlp.datelines)

    @property
    def text(self) -> str:
        """Paragraphs joined by blank lines."""
        return "\n\n".join(self.paragraphs)

    @property
    def content(self) -> str:
        """Every kept line (paragraphs, headings, table rows) in reading order."""
        return "\n\n".join(self.lines)


def clean(raw: str, title: str | None = None) -> CleanText:
    """Clean plain text or HTML; raise NoTextFound when no article text is left."""
    if looks_like_html(raw):
        raw, title = extract_html(raw, title)
    else:
        raw = unwrap(raw)
    lines = [_normalise_line(line) for line in normalise(raw).split("\n")]
    lines = [line for line in lines if line]
    first_line = lines[0] if lines else None
    if title is None and first_line and _is_title_line(first_line):
        title = TITLE_SUFFIX.sub("", lines.pop(0)).strip() or None
    elif title is not None:
        title = normalise(title).strip() or None
    dateline, lines = _take_dateline(lines)
    result = _filter_lines(lines)
    result.title = title
    if not result.paragraphs:  # a brief without full stops is still text: keep its lines
        brief = result.headings or _brief(first_line, lines)
        if sum(len(line.split()) for line in brief) >= MIN_BRIEF_WORDS:
            result.paragraphs, result.headings = brief, []
            result.lines = result.lines or list(brief)
    if not result.paragraphs:
        raise NoTextFound("no article text is left after removing markup and page boilerplate")
    result.dateline = dateline if dateline is not None else _split_dateline(result)
    return result


def _split_dateline(result: CleanText) -> Dateline | None:
    """Take the dateline off the first paragraph (in `lines` too), if it opens with one."""
    first = result.paragraphs[0]
    dateline, result.paragraphs[0] = split_dateline(first)
    if dateline is not None and first in result.lines:
        result.lines[result.lines.index(first)] = result.paragraphs[0]
    return dateline


def _take_dateline(lines: list[str]) -> tuple[Dateline | None, list[str]]:
    """The dateline of the first line, taken before lines are filtered, so that it is kept
    where the rest of that line is a table row ("JOHNSTOWN, Pa., April 8 - Shr 33 cts")."""
    if not lines:
        return None, lines
    dateline, rest = split_dateline(lines[0])
    return (dateline, [rest, *lines[1:]]) if dateline is not None else (None, lines)


def unwrap(text: str) -> str:
    """Hard-wrapped wire copy as one line per paragraph.

    Wire stories often come wrapped at about 65 characters, each paragraph but the first begun
    by an indent. Read line by line, every wrapped line would look like a heading (short, no
    full stop) and be dropped. When nearly all lines are short and several are indented, or a
    line goes on mid-sentence on the next ("... of Canadian\nrapeseed overnight"), lines are
    joined up to the next indented or blank line; any other text is left as it is.
    """
    lines = text.split("\n")
    if not _hard_wrapped(lines):
        return text
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if (not line.strip() or INDENT.match(line)) and paragraphs[-1]:
            paragraphs.append([])
        if line.strip():
            paragraphs[-1].append(line.strip())
    return "\n\n".join(" ".join(words) for words in paragraphs if words)


def _hard_wrapped(lines: list[str]) -> bool:
    """Whether lines look wrapped at a fixed width: short, and indented or broken mid-sentence
    (a line without a closing stop followed by one that starts in lower case)."""
    long_lines = sum(1 for line in lines if len(line) > WRAP_WIDTH)
    if long_lines > len(lines) * MAX_LONG_SHARE:
        return False
    indented = sum(1 for line in lines if INDENT.match(line))
    broken = any(
        line.strip() and not line.rstrip().endswith(SENTENCE_END) and after.lstrip()[:1].islower()
        for line, after in itertools.pairwise(lines)
    )
    return indented >= MIN_INDENTED or broken


def _brief(first_line: str | None, rest: list[str]) -> list[str]:
    """A one-line text (and page furniture) taken as its own title is the article's only
    paragraph."""
    alone = all(_is_junk(line, _key(line)) for line in rest)
    if first_line and alone and not _is_junk(first_line, _key(first_line)):
        return [first_line]
    return []


def looks_like_html(text: str) -> bool:
    """True when the text starts like an HTML document or carries several HTML tags."""
    head = text[:2000]
    return bool(HTML_HINT.search(head)) and head.count("<") >= 3


def extract_html(html: str, title: str | None) -> tuple[str, str | None]:
    """The main text of an HTML page (trafilatura) and its title when none was given."""
    text = trafilatura.extract(
        html, include_comments=False, include_tables=False, favor_precision=True
    )
    if not text:
        raise NoTextFound("the HTML page contains no article text")
    if title is None:
        # extensive=False: no date search, which loads every dateparser locale (~3 s)
        meta = trafilatura.extract_metadata(html, extensive=False)
        title = TITLE_SUFFIX.sub("", meta.title).strip() if meta and meta.title else None
    return text, title


def normalise(text: str) -> str:
    """Unicode NFC, unified newlines and spaces, no control or zero-width characters."""
    text = LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text))
    text = CONTROL.sub("", text.replace("\xa0", " ").replace("\t", " "))
    return re.sub(r"[ ]{2,}", " ", text)


def _normalise_line(line: str) -> str:
    return BULLET.sub("", line).strip()


def _key(line: str) -> str:
    return re.sub(r"[^\w ]", "", line.lower()).strip()


def _is_title_line(line: str) -> bool:
    return len(line.split()) <= 30 and not TERMINAL.search(line)


def _is_heading(line: str) -> bool:
    return len(line.split()) <= HEADING_MAX_WORDS and not TERMINAL.search(line)


def _filter_lines(lines: list[str]) -> CleanText:
    out = CleanText(title=None, paragraphs=[])
    seen_prefixes: set[str] = set()
    for line in lines:
        key = _key(line)
        if key.rstrip(":") in END_MARKERS and len(out.lines) >= MIN_BODY_BEFORE_CUT:
            break
        prefix = " ".join(key.split()[:PREFIX_WORDS])
        if _is_junk(line, key) or prefix in seen_prefixes:
            out.dropped += 1
        else:
            (out.headings if _is_heading(line) else out.paragraphs).append(line)
            out.lines.append(line)
        seen_prefixes.add(prefix)
    return out


def _is_junk(line: str, key: str) -> bool:
    return (
        key in DROP_LINES
        or key.rstrip(":") in END_MARKERS
        or bool(CREDIT.search(line))
        or bool(BOILERPLATE.search(line))
        or bool(FURNITURE.match(line))
    )
