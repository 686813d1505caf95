"""The exception tree. Every error the project raises on purpose is a :class:`NewsworkerError`.

::

    NewsworkerError
    ├── ConfigError            settings or a data file (manifest, taxonomy) are invalid
    ├── InputError             the article or options cannot be processed (stored `failed`)
    │   └── NoTextFound        cleaning left no article text (empty HTML, only boilerplate)
    ├── ModelError             model weights cannot be used
    │   ├── ModelNotFound      the weights directory or a file of it is missing
    │   └── ChecksumMismatch   a weights file's sha256 differs from models/manifest.yaml
    ├── TimeLimitExceeded      an article took longer than the soft time limit (stored `failed`)
    ├── StoreUnavailable       Redis cannot be reached (transient: tasks retry, the CLI says so)
    └── TooManyDeliveries      a message was delivered more often than allowed (a poison message)
"""


class NewsworkerError(Exception):
    """Base of every error raised on purpose by newsworker."""


class ConfigError(NewsworkerError):
    """Raised when settings or a data file (manifest, taxonomy) are invalid."""


class InputError(NewsworkerError):
    """Raised when an article or its options cannot be processed.

    The worker stores such an error as a `failed` result with this message; it is never retried,
    because sending the same input again would fail the same way.
    """


class NoTextFound(InputError):
    """Raised when cleaning leaves no article text (empty HTML, a page of boilerplate)."""


class ModelError(NewsworkerError):
    """Raised when model weights cannot be loaded or used."""


class ModelNotFound(ModelError):
    """Raised when the weights directory, or a file listed for it in the manifest, is missing."""


class ChecksumMismatch(ModelError):
    """Raised when a weights file's sha256 differs from the one recorded in the manifest."""


class TimeLimitExceeded(NewsworkerError):
    """Raised when processing an article takes longer than ``task_soft_time_limit_s``.

    The worker stores it as a `failed` result and does not retry: the same article would take
    as long again. It is not an InputError, because the input may be fine on a faster worker.
    """


class StoreUnavailable(NewsworkerError):
    """Raised when Redis cannot be reached; transient, so tasks retry and the CLI reports it."""


class TooManyDeliveries(NewsworkerError):
    """Raised when a message has been delivered more times than `max_deliveries` allows.

    This happens when processing an article kills the worker process every time (a poison
    message); the article ends `failed` instead of being redelivered forever.
    """
