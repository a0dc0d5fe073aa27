# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install --quiet -c $(VENV)/constraints.txt

.PHONY: run test test-fast lint index install llm clean

# torch first, pinned: the CPU wheel lies on disk; an unpinned torch pulls a multi-GB CUDA build.
# The constraint keeps it pinned for everything installed after it.
$(VENV)/constraints.txt:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	echo 'torch==2.13.0' > $(VENV)/constraints.txt

# What the app needs: nothing compiles.
$(VENV)/.installed-app: pyproject.toml $(VENV)/constraints.txt
	$(PIP) -e .
	touch $@

# The tests' tools, without the [llm] extra: enough for `make test-fast` and `make lint`.
$(VENV)/.installed-dev: $(VENV)/.installed-app
	$(PIP) -e '.[dev]'
	touch $@

# [llm]: llama-cpp-python compiles from source (about 10 min on 2 cores, once: pip caches the
# wheel), so that `make test` (and CI) runs the generated-answer tests too. Built for AVX2, not
# for this CPU: llama.cpp's AMX kernels, which a native build picks on CPUs that have AMX,
# crash here (SIGSEGV in ggml_backend_amx_mul_mat), and a portable wheel runs on any laptop.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
$(VENV)/.installed-llm: $(VENV)/.installed-dev
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=2 $(PIP) -e '.[dev,llm]'
	touch $@

# [ray]: Ray Data and Serve, for `make test`'s tests on a local Ray cluster (wheels, no compile).
$(VENV)/.installed-ray: $(VENV)/.installed-dev
	$(PIP) -e '.[dev,ray]'
	touch $@

install: $(VENV)/.installed-app

llm: $(VENV)/.installed-llm

run: $(VENV)/.installed-app
	$(BIN)/assistant serve

index: $(VENV)/.installed-app
	$(BIN)/assistant index

test: $(VENV)/.installed-llm $(VENV)/.installed-ray
	$(BIN)/pytest

# The edit-test loop: everything but the slow tests (servers, browsers, crash and load runs).
test-fast: $(VENV)/.installed-dev
	$(BIN)/pytest -m "not slow" -x -q

lint: $(VENV)/.installed-dev
	$(BIN)/lint-imports
	$(BIN)/ruff check assistant tests evals bench training tools
	$(BIN)/ruff format --check assistant tests evals bench training tools
	$(BIN)/mypy

clean:
	rm -rf $(VENV) index/current index/build-* index/CURRENT

# External benchmarks (evals/benchmarks/, for measuring only): each on its own corpus and index
# (index/benchmarks/NAME/, built on first use: minutes for covid-qa), hybrid and bm25 against the
# stock LangChain row. Reports go to evals/reports/benchmarks/NAME/.
.PHONY: eval-squad2 eval-covid-qa eval-xquad
eval-squad2: $(VENV)/.installed-app
	$(BIN)/assistant eval --benchmark squad2

# XQuAD: one report per language, one index (index/benchmarks/xquad/) for the four.
eval-xquad: $(VENV)/.installed-app
	for l in es ar zh ru; do $(BIN)/assistant eval --benchmark xquad-$$l --quiet || exit 1; done

eval-covid-qa: $(VENV)/.installed-app
	$(BIN)/assistant eval --benchmark covid-qa

# The gold and held-out questions translated into the five other UN languages
# (evals/languages/), one report per language, with the multilingual vectors on (their own
# index, index/languages/, built on first use).
LANGUAGES := fr es ar zh ru
.PHONY: eval-languages
eval-languages: $(VENV)/.installed-app
	for l in $(LANGUAGES); do \
	  $(BIN)/assistant eval --gold evals/languages/$$l.jsonl \
	    --config evals/languages/multilingual.toml --no-baseline --index index/languages \
	    --out evals/reports/languages/$$l --quiet --json || exit 1; \
	done

# docs/results/ from the latest `assistant eval` and benchmark reports on disk; runs nothing.
.PHONY: report
report: $(VENV)/.installed-app
	$(BIN)/python -m tools.results

# The documentation site (docs/, mkdocs.yml), built offline into site/ (git-ignored). Strict: a
# broken link or anchor, or a docstring mkdocstrings cannot read, fails the build. Reference
# pages are generated from the code as it builds (tools/docs_hooks.py).
.PHONY: docs screenshots
docs: $(VENV)/.installed-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The browser tests' screenshots (tests/artifacts/, written by `make test`) that the docs show,
# as docs/assets/screenshots/NAME.png.
SCREENSHOTS := \
	answer:test_question_streams_an_answer_with_markers_and_the_source_opens \
	follow-up:test_follow_up_is_rewritten_and_shown \
	refusal:test_refusal_lists_the_closest_passages \
	page-ar:page-ar
screenshots:
	@mkdir -p docs/assets/screenshots
	@for pair in $(SCREENSHOTS); do \
	  src=tests/artifacts/$${pair#*:}.png; dst=docs/assets/screenshots/$${pair%%:*}.png; \
	  if [ -f "$$src" ]; then cp "$$src" "$$dst" && echo "$$dst"; \
	  else echo "no $$src: run the browser tests first (make test)"; fi; \
	done
