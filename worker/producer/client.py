"""The producer side: validate an article, skip duplicates, send the task by name.

Input that fails validation is not sent; :meth:`Producer.submit` stores it as a `failed` result
with the same error the worker would give, so every submission has a result to read.

Importing this module does not import torch or the pipeline, so any service can enqueue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from kombu.exceptions import OperationalError

from worker.config import Settings, get_settings
from worker.errors import InputError, StoreUnavailable
from worker.schemas import (
    TASK_NAME,
    Article,
    Options,
    Result,
    Status,
    article_id,
    check_text_size,
    content_hash,
    failed_result,
    parse_request,
)
from worker.service.app import create_app
from worker.store import open_store


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (safe for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]  # user info ends at the last '@', as redis-py reads it
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


class Producer:
    """Sends articles to the queue and reads their results."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.app = create_app(self.settings, with_tasks=False)
        self.store = open_store(self.settings)

    def enqueue(
        self,
        article: Mapping[str, Any] | Article,
        options: Mapping[str, Any] | Options | None = None,
        *,
        queue: str | None = None,
        force: bool = False,
    ) -> str:
        """Queue one article and return its id; an identical earlier send is not queued again."""
        art, opts = _validate(article, options)
        check_text_size(art, self.settings.max_text_chars)
        result_id = article_id(art, opts)
        queued = Result(
            id=result_id,
            status=Status.QUEUED,
            title=art.title,
            url=art.url,
            content_hash=content_hash(art, opts),
        )
        if force:
            self.store.put(queued)
        elif not self.store.claim(queued):
            return result_id
        self._send(art.model_copy(update={"id": result_id}), opts, queue, result_id)
        return result_id

    def submit(
        self, article: Any, options: Any = None, *, queue: str | None = None, force: bool = False
    ) -> tuple[str, InputError | None]:
        """Queue any JSON value as an article; invalid input is stored `failed`, not raised.

        Returns the id to read the result under and, for invalid input, the error.
        """
        try:
            return self.enqueue(article, options, queue=queue, force=force), None
        except InputError as exc:
            return self.refuse(exc, article, options).id, exc

    def refuse(self, error: InputError, article: Any, options: Any = None) -> Result:
        """Store `article` as `failed` with `error`, under the id the worker would give it."""
        failed = failed_result(error, _plain(article), _plain(options))
        self.store.finish(failed)
        return failed

    def _send(self, art: Article, opts: Options, queue: str | None, result_id: str) -> None:
        kwargs = {"article": art.model_dump(exclude_none=True), "options": opts.model_dump()}
        try:
            self.app.send_task(TASK_NAME, kwargs=kwargs, queue=queue or self.settings.queue)
        except OperationalError as exc:
            self.store.delete(result_id)
            raise StoreUnavailable(
                f"cannot reach the broker at {redact_url(self.settings.broker)}: {exc}"
            ) from exc

    def result(self, result_id: str) -> Result | None:
        """The stored result for `result_id`, if any."""
        return self.store.get(result_id)

    def close(self) -> None:
        """Close broker and Redis connections."""
        self.store.client.close()
        self.app.close()


def _validate(article: Any, options: Any) -> tuple[Article, Options]:
    if isinstance(article, Article) and isinstance(options, Options):
        return article, options
    return parse_request(_plain(article), _plain(options))


def _plain(value: Any) -> Any:
    """A model or mapping as a plain dict, as it would travel in a message; anything else as is."""
    if isinstance(value, Article | Options):
        return value.model_dump()
    return dict(value) if isinstance(value, Mapping) else value


def enqueue(
    article: Mapping[str, Any] | Article,
    options: Mapping[str, Any] | Options | None = None,
    settings: Settings | None = None,
) -> str:
    """Queue one article with the settings from the environment; returns the article's id."""
    producer = Producer(settings)
    try:
        return producer.enqueue(article, options)
    finally:
        producer.close()
