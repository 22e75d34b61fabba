# Two commands set up everything on a fresh machine: `make publish` and `make test`.
# Each creates .venv from pyproject.toml on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN := $(BIN)/python -m pipeline

.PHONY: publish test catalogs status check serve clean golden newsletter ingest bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

publish: $(STAMP)  ## update catalogs and build the sample site into output/
	$(RUN) publish

catalogs: $(STAMP)  ## create and update the gettext catalogs in locales/
	$(RUN) catalogs

newsletter: $(STAMP)  ## publish, then write this newsletter issue per language into output/newsletter/
	$(RUN) newsletter

ingest: $(STAMP)  ## sync the remote articles listed in sources/remote.toml
	$(RUN) sync

status: $(STAMP)  ## how far each translation has come
	$(RUN) status

check: $(STAMP)  ## check sources and catalogs without writing
	$(RUN) check

serve: $(STAMP)  ## preview output/ on http://127.0.0.1:8000/
	$(RUN) serve

test: $(STAMP)  ## run the test suite
	$(BIN)/python -m pytest -q

bench: $(STAMP)  ## time publish on a synthetic site (N=1000 per language; BENCH_SIZES="1000 5000 10000")
	$(BIN)/python -m pipeline.bench $(or $(BENCH_SIZES),1000) --json .cache/bench.json

golden: $(STAMP)  ## regenerate the expected output of the tiny fixture site
	$(BIN)/python -m tests.golden

clean:  ## remove built output and caches (keeps .venv)
	rm -rf output .output.staging .cache .pytest_cache .hypothesis
	find . -name __pycache__ -type d -not -path './.venv/*' -prune -exec rm -rf {} +
