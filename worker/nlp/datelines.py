"""Datelines and wire credits at the head of a story, taken off its first paragraph.

Wire copy opens with where and when it was filed, and who filed it: ``PEKING, April 8 -``,
``LONDON (Reuters) -``, ``New Delhi, India (CNN)``, ``(CNN) --``. That is metadata, not the
story: left in place it opens the summary ("(CNN)Blues legend B.B. King was ...", one CNN/DM
article in twelve) and reads as part of the first sentence. :func:`split_dateline` returns it
as a :class:`Dateline` (place, date and credit as written) and the paragraph without it.

Two shapes are recognised, so that an ordinary first sentence is never cut:

- a known wire's credit in parentheses, after an optional place of capitalised words and an
  optional date: ``WASHINGTON, March 3 (Reuters) -``, ``(AP) —``;
- a place in capitals (three letters at least, so that ``US - China talks`` stays whole), an
  optional region and date, then a dash: ``HONG KONG, April 8 -``;
- a place of capitalised words with a date, then a dash: ``Edmonton, Alberta, April 8 -``.
"""

from __future__ import annotations

import re

from worker.schemas import Dateline

WIRES = (
    "Reuters|Reuter|AP|AFP|CNN|CNNMoney|UPI|Bloomberg|dpa|DPA|PA|Xinhua|EFE|ANSA|Kyodo|Yonhap"
    "|Interfax|TASS|PTI|IANS|AAP|CP|BBC"
)
MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
DATE = rf"{MONTH}\s+\d{{1,2}}(?:,\s*\d{{4}})?"
WORD = r"[A-Z][\w.'’&-]*"  # a capitalised word of a place name
PLACE = rf"{WORD}(?:(?:\s+|,\s*){WORD}){{0,5}}"
DASH = r"(?:--|-|–|—|:)"
WITH_CREDIT = re.compile(
    rf"^(?:(?P<place>{PLACE}?)(?:,\s*(?P<date>{DATE}))?\s*)?"
    rf"\((?P<credit>{WIRES})\)\s*(?:{DASH}\s*)?"
)
CAPITALS = re.compile(
    rf"^(?P<place>[A-Z][A-Z.'’&-]{{2,}}(?:\s+[A-Z][A-Z.'’&-]*){{0,3}}(?:,\s*{WORD}(?:\s+{WORD}){{0,2}})?)"
    rf"(?:,\s*(?P<date>{DATE}))?\s+{DASH}\s+(?=[\"'“‘A-Z0-9])"
)

WITH_DATE = re.compile(rf"^(?P<place>{PLACE}),\s*(?P<date>{DATE})\s+{DASH}\s+(?=[\"'“‘A-Z0-9<])")


def split_dateline(paragraph: str) -> tuple[Dateline | None, str]:
    """The dateline at the head of `paragraph`, if any, and the paragraph without it."""
    for pattern in (WITH_CREDIT, CAPITALS, WITH_DATE):
        match = pattern.match(paragraph)
        if match and (rest := paragraph[match.end() :].strip()):
            found = match.groupdict()
            place = (found.get("place") or "").strip(" ,") or None
            return Dateline(place=place, date=found.get("date"), credit=found.get("credit")), rest
    return None, paragraph
