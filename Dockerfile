# syntax=docker/dockerfile:1
# Skillpath's image: every process of docs/operations.md is this image with another command
# (`skillpath serve`, `skillpath project`, `skillpath train --follow`, `skillpath migrate`).

# --- build: a virtualenv with Skillpath and the recommender, compiled where needed ----------
FROM python:3.11-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/skillpath
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
# A regular (not editable) install: the package, its static files and its scripts.
RUN /opt/skillpath/bin/pip install --no-cache-dir --upgrade pip \
    && /opt/skillpath/bin/pip install --no-cache-dir '.[recommend]'

# --- runtime: the virtualenv only, no compiler, no sources, not root ------------------------
FROM python:3.11-slim AS runtime
RUN groupadd --system --gid 10001 skillpath \
    && useradd --system --uid 10001 --gid skillpath --home-dir /var/lib/skillpath skillpath \
    && mkdir -p /var/lib/skillpath/models \
    && chown -R skillpath:skillpath /var/lib/skillpath
COPY --from=build /opt/skillpath /opt/skillpath
ENV PATH=/opt/skillpath/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SKILLPATH_HOST=0.0.0.0 \
    SKILLPATH_PORT=8000 \
    SKILLPATH_MODEL_DIR=/var/lib/skillpath/models \
    SKILLPATH_SQLITE_PATH=/var/lib/skillpath/skillpath.sqlite3
WORKDIR /var/lib/skillpath
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["skillpath"]
CMD ["serve"]
