# eventapp — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: setup run test test-sqlite test-postgres bench translations clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -f -d eventapp/translations 2>&1 | tail -n 2

## make run: create the instance, load the demo event for today, serve it.
run: setup
	$(BIN)/eventapp init
	$(BIN)/eventapp demo --date today
	$(BIN)/eventapp serve --host $(HOST) --port $(PORT)

## make test: the architecture contracts (lint-imports), the whole suite on SQLite, then on PostgreSQL when EVENTAPP_TEST_DATABASE_URL is set.
test: setup
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$EVENTAPP_TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "EVENTAPP_TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

test-sqlite:
	env -u EVENTAPP_TEST_DATABASE_URL $(BIN)/pytest -q -p no:cacheprovider

test-postgres:
	$(BIN)/pytest -q -p no:cacheprovider

## make bench: the benchmarks; they print figures and never fail by the clock.
bench: setup
	$(BIN)/pytest -q -s -p no:cacheprovider tests/bench

clean:
	rm -rf $(VENV) build *.egg-info
