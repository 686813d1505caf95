"""The taggers of one worker process: the default one and those a request names, each built once.

The default tagger is a trained head when ``Settings.topic_head`` names one, else zero-shot with
``Settings.taxonomy`` (IPTC Media Topics unless set). A request may name another taxonomy file
under ``models/taxonomy/`` by its stem (``Options.taxonomy``, e.g. ``ag-news``); its tagger is
built on first use and kept, so each taxonomy's prototypes are embedded once per process.
Requests name files, never paths: only files in that directory can be chosen.
"""

from __future__ import annotations

import threading
from pathlib import Path

from worker.errors import InputError
from worker.nlp.taxonomy import taxonomy_files
from worker.nlp.topics import Encode, Tagger, ZeroShotTagger


class Taggers:
    """The default tagger plus a cache of zero-shot taggers by taxonomy name."""

    def __init__(self, default: Tagger, taxonomy_dir: Path, encode: Encode) -> None:
        self.default = default
        self.taxonomy_dir = taxonomy_dir
        self.encode = encode
        self._cache: dict[str, Tagger] = {}
        self._lock = threading.Lock()  # the threads pool may ask for the same taxonomy at once

    def available(self) -> list[str]:
        """The taxonomy names a request may use."""
        return list(taxonomy_files(self.taxonomy_dir))

    def get(self, name: str | None) -> Tagger:
        """The tagger for taxonomy `name` (None: the default); InputError for an unknown name."""
        if name is None:
            return self.default
        with self._lock:
            if name not in self._cache:
                self._cache[name] = ZeroShotTagger.from_file(self._path(name), self.encode)
            return self._cache[name]

    def _path(self, name: str) -> Path:
        files = taxonomy_files(self.taxonomy_dir)
        if name not in files:
            known = ", ".join(files) or "none"
            raise InputError(
                f"unknown taxonomy {name!r}; the taxonomies in {self.taxonomy_dir.name}/ are: "
                f"{known}"
            )
        return files[name]
