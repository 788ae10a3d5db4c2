# Every target creates the local virtualenv on first use, so a fresh clone needs nothing
# installed by hand beyond python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Seeds the demo team into DATABASE_URL (default ./queueday.db), then a console in which
# to type /queueday commands as Ada, its admin (end with :quit or Ctrl-D).
demo: $(STAMP)
	$(BIN)/queueday demo && $(BIN)/queueday console --as U0ADA

# --durations: the 15 slowest tests are listed at the end of every run (CI included).
test: $(STAMP)
	$(BIN)/python -m pytest --durations=15

bench: $(STAMP)
	$(BIN)/python bench/plan_bench.py
	$(BIN)/python bench/spread_bench.py
	$(BIN)/python bench/storage_bench.py
	$(BIN)/python bench/channel_bench.py
	$(BIN)/python bench/slack_bench.py
	$(BIN)/python bench/feed_bench.py
	$(BIN)/python bench/page_bench.py
	$(BIN)/python bench/remind_bench.py
	$(BIN)/python bench/hooks_bench.py
	$(BIN)/python bench/timeoff_bench.py

lint: $(STAMP)
	$(BIN)/ruff check scheduling storage bot tests bench
	$(BIN)/ruff format --check scheduling storage bot tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format scheduling storage bot tests bench
	$(BIN)/ruff check --fix scheduling storage bot tests bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
