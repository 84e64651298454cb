# Cagette: `make run` serves the demo on a fresh machine; `make test` runs the whole suite.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo's offline Stripe (payments/fake_stripe): card payment works end to end, no network.
FAKE_STRIPE_PORT ?= 12111
DEMO_STRIPE := STRIPE_SECRET_KEY=sk_test_demo STRIPE_WEBHOOK_SECRET=whsec_demo_fake \
	STRIPE_API_BASE=http://$(HOST):$(FAKE_STRIPE_PORT)
# pytest-xdist workers for `make test` (one per core; 0 runs the suite in this process).
TEST_WORKERS ?= auto

.PHONY: run test fuzz lint typecheck format messages bench worker beat clean system-packages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Debian packages WeasyPrint, the map widget and the browser tests need (skipped when present or not root).
system-packages:
	@./scripts/system-packages.sh

run: $(STAMP) system-packages
	DEBUG=1 $(BIN)/python manage.py compilemessages -v0 --ignore=.venv
	DEBUG=1 $(BIN)/python manage.py migrate --noinput -v0
	DEBUG=1 $(BIN)/python manage.py seed_demo
	$(BIN)/python -m payments.fake_stripe --host $(HOST) --port $(FAKE_STRIPE_PORT) \
		--webhook-url http://$(HOST):$(PORT)/stripe/webhook/ --webhook-secret whsec_demo_fake \
		--demo-account acct_demo_cagette --state-file var/fake_stripe.json & FAKE=$$!; trap "kill $$FAKE" EXIT INT TERM; \
		DEBUG=1 $(DEMO_STRIPE) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP) system-packages
	DEBUG=1 $(BIN)/python manage.py compilemessages -v0 --ignore=.venv
	$(BIN)/ruff check .
	$(BIN)/mypy
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run -v1
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The deep fuzzing profile: every hostile value and more Hypothesis examples into every form.
fuzz: $(STAMP) system-packages
	DEBUG=1 $(BIN)/python manage.py compilemessages -v0 --ignore=.venv
	FUZZ_PROFILE=deep $(BIN)/python -m pytest -q tests/security/test_fuzz.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Types of the money module, the services and the selectors ([tool.mypy] in pyproject.toml).
typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemessages -l fr -l en --ignore=.venv --ignore=staticfiles --ignore=tests --no-obsolete
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

# Every script runs even when one misses a budget (all figures printed); the status says if any did.
bench: $(STAMP)
	@status=0; for script in bench bench_day bench_members bench_reports; do \
		echo "== scripts/$$script.py"; $(BIN)/python scripts/$$script.py || status=1; \
	done; exit $$status

worker: $(STAMP)
	$(BIN)/celery -A cagette worker -l info

beat: $(STAMP)
	$(BIN)/celery -A cagette beat -l info

clean:
	rm -rf var/cagette.sqlite3 var/mypy staticfiles
