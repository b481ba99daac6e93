# treatydb — two commands: `make run` (serve the demo) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export TREATYDB_DATA_DIR ?= $(CURDIR)/var
export TREATYDB_REGISTRAR_TOKEN ?= demo-registrar-token
# Debian packages the product uses: OCR (tesseract + Vietnamese model, ocrmypdf), PDF tools, LibreOffice for
# .doc/.rtf input and PDF previews of reports, Liberation fonts (metric-compatible Times New Roman).
DEBS := tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng ocrmypdf poppler-utils ghostscript qpdf \
        fonts-liberation2 libreoffice-writer-nogui

.PHONY: install debs run test bench clean help

help:
	@echo "make run   - set everything up and serve the demo on http://$(HOST):$(PORT)"
	@echo "make test  - set everything up and run the whole test suite"

debs:
	@missing=""; for p in $(DEBS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	    echo "installing Debian packages:$$missing"; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing \
	      || echo "WARNING: could not install$$missing; OCR / LibreOffice features and their tests will say so and skip"; \
	  else echo "WARNING: no apt-get; install$$missing yourself (OCR / LibreOffice tests will skip)"; fi; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: debs $(VENV)/.installed

run: install
	$(BIN)/treatydb init
	$(BIN)/treatydb demo load
	@echo "registrar token: $$TREATYDB_REGISTRAR_TOKEN   (API docs: http://$(HOST):$(PORT)/docs)"
	$(BIN)/treatydb serve --host $(HOST) --port $(PORT)

test: install
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || { command -v pg_ctlcluster >/dev/null && \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start 2>/dev/null; sleep 2; } || true
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/search.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/reports.py

clean:
	rm -rf $(VENV) var .pytest_cache
