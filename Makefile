# Everything starts from python3: the virtualenv, the requirements, and (unless DATABASE_URL and
# REDIS_URL are set) an embedded PostgreSQL and Redis under .data/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install run test bench manage check-deploy messages

$(INSTALLED): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(INSTALLED)

install: $(INSTALLED)

## make run: serve the app on http://127.0.0.1:8000 with a Celery worker and beat
run: $(INSTALLED)
	$(BIN)/python scripts/dev.py run

## make test [ARGS="-k login"]: the whole test suite against real PostgreSQL and Redis
test: $(INSTALLED)
	$(BIN)/python scripts/dev.py test $(ARGS)

## make bench [BENCH_SCALE=0.01]: benchmarks at scale, one figure a line
bench: $(INSTALLED)
	$(BIN)/python scripts/dev.py bench $(ARGS)

## make manage ARGS="shell": any manage.py command against the same servers
manage: $(INSTALLED)
	$(BIN)/python scripts/dev.py manage $(ARGS)

## make messages: refresh the translation catalogues (needs GNU gettext) and compile them
messages: $(INSTALLED)
	$(BIN)/python scripts/dev.py manage makemessages --locale zh_Hans --ignore '.venv/*' --ignore '.data/*' --ignore 'static/vendor/*' --no-obsolete
	$(BIN)/python scripts/compile_messages.py
