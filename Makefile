# Every target installs what it needs first, so `make test` works on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test bench stress lint eval check clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install            ## the Discord bot when DISCORD_TOKEN is set, else the terminal console
	$(BIN)/python -m bot

test: install           ## the whole suite, fake Discord included
	$(BIN)/python -m pytest

bench: install          ## match time, load+index time, cold start, peak memory
	$(BIN)/python scripts/bench.py

stress: install         ## 1,000 concurrent questions while reloading, through the fake Discord
	$(BIN)/python scripts/stress.py

eval: install           ## accuracy on every question set (tests/questions/*.yaml)
	@for f in tests/questions/*.yaml; do echo "== $$f"; $(BIN)/python -m bot eval $$f || exit 1; done

check: install          ## validate the knowledge base, coverage and confusion reports
	$(BIN)/python -m bot check

lint: install
	$(BIN)/ruff check bot tests scripts

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
