"""Language identification with py3langid (a maintained langid.py fork that ships its model)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

SAMPLE_CHARS = 5000
UNDETERMINED = "und"


@dataclass(frozen=True)
class Detected:
    """An ISO 639-1 code (or ``und``) and the identifier's probability for it."""

    language: str
    confidence: float


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, min_confidence: float = 0.5) -> Detected:
    """The language of `text`, or ``und`` when the identifier is not confident enough."""
    language, probability = _identifier().classify(text[:SAMPLE_CHARS])
    confidence = float(probability)
    if confidence < min_confidence or language == "zxx":
        return Detected(UNDETERMINED, confidence)
    return Detected(str(language), confidence)
