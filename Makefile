# eventapp — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: setup run test lint test-sqlite test-postgres bench translations clean

# setuptools' notes on editable installs (UserWarnings in the build) are for packagers, not for
# someone trying the app: hidden here. `pip wheel .` still shows them (tests/core/test_packaging.py).
QUIET_PIP := PYTHONWARNINGS=ignore::UserWarning $(BIN)/pip install --quiet --disable-pip-version-check

$(STAMP): pyproject.toml setup.py
	@echo "Installing eventapp and its dependencies into $(VENV) (a minute or two the first time)..."
	@$(PYTHON) -m venv $(VENV)
	@$(QUIET_PIP) --upgrade pip
	@$(QUIET_PIP) -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP) translations

# An editable install reads the catalogues from the checkout: compile them in place (a built
# package compiles its own, see setup.py).
translations: $(STAMP)
	@$(BIN)/pybabel compile --statistics -f -d eventapp/translations 2>&1 | tail -n 2

## make run: create the instance, load the demo event for today, serve it.
run: setup
	$(BIN)/eventapp init
	$(BIN)/eventapp demo --date today
	$(BIN)/eventapp serve --host $(HOST) --port $(PORT)

## make test: the architecture contracts (lint-imports), the whole suite on SQLite, then on PostgreSQL when EVENTAPP_TEST_DATABASE_URL is set.
test: setup
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$EVENTAPP_TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "EVENTAPP_TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

## make lint: ruff over the code and the tests, the architecture contracts (lint-imports), both configured in pyproject.toml, and no function above radon's grade C.
lint: $(STAMP)
	$(BIN)/ruff check eventapp tests setup.py
	$(BIN)/lint-imports
	@complex="$$($(BIN)/radon cc --min D --show-complexity eventapp)"; \
	if [ -n "$$complex" ]; then echo "Functions above grade C (split them where they mix steps):"; echo "$$complex"; exit 1; fi

test-sqlite:
	env -u EVENTAPP_TEST_DATABASE_URL $(BIN)/pytest -q -p no:cacheprovider

test-postgres:
	$(BIN)/pytest -q -p no:cacheprovider

## make bench: the benchmarks; they print figures and never fail by the clock.
bench: setup
	$(BIN)/pytest -q -s -p no:cacheprovider tests/bench

clean:
	rm -rf $(VENV) build *.egg-info
