"""The taggers of one worker process: the default one and those a request names, each built once.

The default tagger comes from the topic backend (:func:`worker.nlp.loading.load_taggers`). A
request may name another taxonomy file under ``models/taxonomy/`` by its stem
(``Options.taxonomy``, e.g. ``ag-news``); its tagger is made by the backend's factory (zero-shot
on the embeddings, NLI on the loaded NLI model, or the trained head a taxonomy file names as its
``model``) on first use and kept, so each taxonomy's prototypes, hypotheses or model are
prepared once per process. The cache is bounded (``tagger_cache_size``): the least recently
used tagger is dropped, and built again if a request names it later. Requests name files,
never paths: only files in that directory can be chosen.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from worker.errors import InputError
from worker.nlp.taxonomy import taxonomy_files
from worker.nlp.topics import Tagger

TaggerFactory = Callable[[Path], Tagger]


class Taggers:
    """The default tagger plus a cache of per-taxonomy taggers by taxonomy name."""

    def __init__(
        self, default: Tagger, taxonomy_dir: Path, factory: TaggerFactory, max_cached: int = 8
    ) -> None:
        self.default = default
        self.taxonomy_dir = taxonomy_dir
        self.factory = factory
        self.max_cached = max_cached
        self._cache: OrderedDict[str, Tagger] = OrderedDict()
        self._lock = threading.Lock()  # the threads pool may ask for the same taxonomy at once

    def available(self) -> list[str]:
        """The taxonomy names a request may use."""
        return list(taxonomy_files(self.taxonomy_dir))

    def get(self, name: str | None) -> Tagger:
        """The tagger for taxonomy `name` (None: the default); InputError for an unknown name."""
        if name is None:
            return self.default
        with self._lock:
            if name in self._cache:
                self._cache.move_to_end(name)
                return self._cache[name]
            tagger = self._cache[name] = self.factory(self._path(name))
            while len(self._cache) > self.max_cached:
                self._cache.popitem(last=False)
            return tagger

    def _path(self, name: str) -> Path:
        files = taxonomy_files(self.taxonomy_dir)
        if name not in files:
            known = ", ".join(files) or "none"
            raise InputError(
                f"unknown taxonomy {name!r}; the taxonomies in {self.taxonomy_dir.name}/ are: "
                f"{known}"
            )
        return files[name]
