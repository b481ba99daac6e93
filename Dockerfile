# treatydb: the API (`treatydb serve`) and, from the same image, the scheduler (`treatydb scheduler`).
# Build:  docker build -t treatydb:local .        Run everything:  docker compose up -d  (see docker-compose.yml)

# ---- build stage: make a wheel of the project (no compilers needed; every dependency ships wheels) ----
FROM python:3.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY . .
RUN pip wheel --no-deps --wheel-dir /wheels .

# ---- runtime stage ----
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANG=C.UTF-8 \
    TREATYDB_DATA_DIR=/data

# OCR (Vietnamese + English), PDF tools, fonts for reports, and a headless LibreOffice Writer for DOC/RTF.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        tesseract-ocr \
        tesseract-ocr-vie \
        tesseract-ocr-eng \
        poppler-utils \
        ghostscript \
        qpdf \
        fonts-liberation2 \
        libreoffice-writer-nogui \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*

# Unprivileged user; LibreOffice needs a writable HOME for its profile.
RUN groupadd --system --gid 10001 treatydb \
    && useradd --system --uid 10001 --gid treatydb --create-home --home-dir /home/treatydb \
        --shell /usr/sbin/nologin treatydb \
    && mkdir -p /data \
    && chown treatydb:treatydb /data

COPY --from=build /wheels /tmp/wheels
RUN pip install /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels

# All state lives in /data (TREATYDB_DATA_DIR): mount a volume there. A new named volume takes this
# directory's owner (treatydb), so the unprivileged process can write to it.
WORKDIR /home/treatydb
USER treatydb:treatydb

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4).status == 200 else 1)"]

# `treatydb init` creates the data directories and runs the database migrations; `serve` then starts the API.
CMD ["sh", "-c", "treatydb init && exec treatydb serve --host 0.0.0.0 --port 8000"]
