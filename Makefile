# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test install system-deps test-only bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Debian packages the test suite drives for real: PostgreSQL and headless Chromium.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			postgresql chromium fonts-dejavu-core >/dev/null; \
	fi

demo: install
	TUTORLOOP_DATA_DIR=$${TUTORLOOP_DATA_DIR:-./var/demo} $(PY) -m tutorloop demo

test: install system-deps
	$(PY) -m pytest -q

test-only:
	$(PY) -m pytest -q

bench: install system-deps
	$(PY) bench/queue.py

clean:
	rm -rf $(VENV) var .pytest_cache
