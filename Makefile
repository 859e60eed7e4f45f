# talent: the two commands in README.md are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test venv lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[postgres,redis,browser,ray,dev]'
	@touch $(STAMP)

venv: $(STAMP)  ## create .venv and install talent with every extra

demo: $(STAMP)  ## set up and run the demo on the embedded defaults (SQLite, in-process cache)
	$(BIN)/talent demo

test: $(STAMP)  ## run the whole test suite
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check talent index federator webapp tests benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache
