# Two commands: `make run` serves the site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: setup run test lint format bench bench-pair soak eval-risk train-risk audit system-deps gettext messages clean

# Translation catalogues: each app's locale/<lang>/LC_MESSAGES/*.po is committed; the
# compiled .mo beside it is built here (and in the Dockerfile), whenever its .po changes.
PO_FILES := $(wildcard */locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

setup: $(STAMP) $(MO_FILES)

# Reinstall only when the dependency list or the pins change.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $(STAMP)

%.mo: %.po | gettext
	msgfmt --check-format --output-file=$@ $<

gettext:
	@scripts/ensure-system-packages gettext

# Extract every translatable string into the catalogues (both domains, every language
# but English); then translate the new entries and run `make setup`.
messages: setup gettext
	DEBUG=true $(PY) manage.py makemessages --domain django
	DEBUG=true $(PY) manage.py makemessages --domain djangojs
	@$(MAKE) --no-print-directory setup

run: setup
	@mkdir -p var
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo
	@# A small synthetic cohort, so the evaluator's first look shows real charts (marked as
	@# demo data on every page; only with DEBUG on).
	@if [ "$${DEBUG:-true}" = "true" ]; then DEBUG=true $(PY) manage.py seed_evaluation --demo; fi
	@echo "Serving on http://127.0.0.1:$(PORT)/  (staff sign-in: http://127.0.0.1:$(PORT)/accounts/login/)"
	@echo "The escalation worker (repeat pages) runs alongside; Ctrl-C stops both."
	DEBUG=$${DEBUG:-true} $(PY) manage.py escalation_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-true} $(PY) -m chatplatform.serve -b 127.0.0.1 -p $(PORT) chatplatform.asgi:application

system-deps:
	@scripts/ensure-system-packages redis-server postgresql chromium gettext

# Property tests run Hypothesis' bounded "suite" profile (tests/conftest.py);
# `make test HYPOTHESIS_PROFILE=thorough` runs ten times as many examples.
test: setup system-deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: setup system-deps
	$(PY) benchmarks/run.py

# One node's CPU per message, A against B (B with PAIR_SETTINGS added), ABBA order,
# group commit's batch fixed at 1 (benchmarks/README.md). PAIR_ARGS="--pairs 8 --rate 500".
PAIR_SETTINGS ?= EAGER_SOCKET_WRITE=true
bench-pair: setup
	$(PY) benchmarks/profile_send.py --clients 400 --rate 300 --seconds 15 \
		--env SEND_BATCH_MAX=1 --compare $(PAIR_SETTINGS) $(PAIR_ARGS)

# Two nodes, PostgreSQL and Redis; clients send, drop, reconnect, resume and send bad
# frames while a node, Redis and PostgreSQL are killed in turn; fails unless nothing
# was lost, duplicated or leaked (benchmarks/README.md). SOAK_ARGS="--seconds 600".
soak: setup system-deps
	$(PY) benchmarks/soak.py $(SOAK_ARGS)

# Recall, imminent recall, false alarms with Wilson intervals, per language and family,
# for the dev split (cross-validated) and the blind splits, and the ablation.
eval-risk: setup
	$(PY) -m escalation.risk_eval

# Retrain the risk model from the dev corpus (fixed seed): escalation/risk_model.json.gz.
train-risk: setup
	$(PY) -m escalation.risk_train

# Not part of `make test`: pip-audit needs its vulnerability database on the internet.
audit: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,audit]'
	$(PY) scripts/audit.py

clean:
	rm -rf $(VENV) var .pytest_cache
