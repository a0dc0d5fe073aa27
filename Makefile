# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint index install clean

# torch first, pinned: the CPU wheel lies on disk; an unpinned torch pulls a multi-GB CUDA build.
# [llm]: llama-cpp-python compiles from source (about 10 min on 2 cores, once: pip caches the
# wheel) so that CI runs the generated-answer tests; the constraint keeps torch pinned.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	echo 'torch==2.13.0' > $(VENV)/constraints.txt
	CMAKE_BUILD_PARALLEL_LEVEL=2 $(BIN)/pip install --quiet -c $(VENV)/constraints.txt -e '.[dev,llm]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/assistant serve

index: $(STAMP)
	$(BIN)/assistant index

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check assistant tests evals bench
	$(BIN)/ruff format --check assistant tests evals bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) index/current index/build-* index/CURRENT
