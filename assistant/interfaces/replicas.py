"""Serving on Ray: N replicas of the assistant behind Ray Serve, and the page on top of them.

Each replica opens the same built index read-only (``Assistant.load``) and answers the HTTP
``/ask`` and ``/search`` endpoints of Ray Serve's proxy; the Gradio page runs in the process that
started the app, keeps each browser session's conversation there, and sends every retrieval to
a replica through a deployment handle. A replica that dies is replaced by Ray Serve; a request
it had is sent again, to a live replica, so the page's users see an answer, never a lost one.
Ray is an optional extra (``pip install .[ray]``).
"""

import json
import time
import urllib.request
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from ray import serve
from ray.exceptions import ActorUnavailableError, RayActorError, RayTaskError

from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.language.questions import Question
from assistant.retrieval.hits import Hit
from assistant.settings import Settings

DEPLOYMENT = "AssistantReplica"
# A request whose replica died is sent again this many times; Ray Serve needs a few seconds to
# mark the replica dead and route to the others.
ATTEMPTS = 5
RETRY_PAUSE = 1.0
REPLICA_TIMEOUT = 120.0
# The proxy learns its routes asynchronously after serve.run returns; until then it answers 404.
ROUTES_TIMEOUT = 60.0

http = FastAPI(title="Local-production assistant replicas")


class AskRequest(BaseModel):
    """The body of POST /ask and POST /search."""

    question: str
    documents: list[str] | None = None
    k: int | None = None


@serve.deployment(name=DEPLOYMENT, ray_actor_options={"num_cpus": 1})
@serve.ingress(http)
class AssistantReplica:
    """One replica: the built index opened read-only, answering over HTTP and to the page."""

    def __init__(self, settings: Settings) -> None:
        self.assistant = Assistant.load(settings)

    @http.post("/ask")
    def http_ask(self, body: AskRequest) -> Any:
        """An answer with its citations, as JSON (400 with the reason for a bad question)."""
        try:
            return self.assistant.ask(body.question, body.documents).to_dict()
        except AssistantError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    @http.post("/search")
    def http_search(self, body: AskRequest) -> Any:
        """The best passages for a question, as JSON."""
        try:
            hits = self.assistant.search(body.question, body.k, body.documents)
        except AssistantError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return {"question": body.question, "passages": [h.to_dict() for h in hits]}

    def prepare(
        self, question: str, documents: Sequence[str] | None, k: int | None
    ) -> tuple[Question, list[Hit]]:
        """The page's retrieval step (Assistant.prepare), run here."""
        return self.assistant.prepare(question, documents, k)

    def search(self, question: str, k: int | None, documents: Sequence[str] | None) -> list[Hit]:
        """Assistant.search, run here."""
        return self.assistant.search(question, k, documents)


class ReplicatedAssistant(Assistant):
    """The page's assistant: the local one for what the page shows (documents, settings), with
    retrieval sent to the replicas and sent again when a replica dies under it."""

    def __init__(self, local: Assistant, handle: Any) -> None:
        super().__init__(local.index, local.embedder, local.settings, local.answerer, local.report)
        self.handle = handle
        self.resent = 0  # requests sent again because their replica died (for logs and tests)

    def prepare(
        self, question: str, documents: Sequence[str] | None = None, k: int | None = None
    ) -> tuple[Question, list[Hit]]:
        """Assistant.prepare on a replica."""
        result: tuple[Question, list[Hit]] = self._call("prepare", question, documents, k)
        return result

    def search(
        self, question: str, k: int | None = None, documents: Sequence[str] | None = None
    ) -> list[Hit]:
        """Assistant.search on a replica."""
        result: list[Hit] = self._call("search", question, k, documents)
        return result

    def _call(self, method: str, *args: Any) -> Any:
        for attempt in range(ATTEMPTS):
            try:
                return getattr(self.handle, method).remote(*args).result(timeout_s=REPLICA_TIMEOUT)
            except RayTaskError as exc:  # the replica's own answer: a bad question, say
                raise exc.as_instanceof_cause() from None
            except (RayActorError, ActorUnavailableError):
                self.resent += 1
                time.sleep(RETRY_PAUSE * (attempt + 1))
        raise AssistantError("The answering service is restarting; please ask again shortly.")


def start_replicas(
    local: Assistant, replicas: int, address: str, host: str = "127.0.0.1", port: int = 8000
) -> ReplicatedAssistant:
    """Join the Ray cluster at ``address``, run ``replicas`` replicas behind Ray Serve's HTTP
    proxy on host:port, and give the assistant the page uses to reach them."""
    from assistant.store.ray_embedding import connect

    connect(address)
    serve.start(http_options={"host": host, "port": port})
    app = AssistantReplica.options(num_replicas=replicas).bind(local.settings)  # type: ignore[attr-defined]
    handle = serve.run(app, name="assistant", route_prefix="/", blocking=False)
    _wait_for_routes("127.0.0.1" if host in ("0.0.0.0", "::") else host, port)
    return ReplicatedAssistant(local, handle)


def _wait_for_routes(host: str, port: int) -> None:
    """Return once the HTTP proxy routes "/" to the app, so the first request is not a 404."""
    deadline = time.monotonic() + ROUTES_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/-/routes", timeout=5) as response:
                if "/" in json.loads(response.read()):
                    return
        except (OSError, ValueError):
            pass  # the proxy is still starting
        if time.monotonic() > deadline:
            raise AssistantError(f"Ray Serve's proxy on {host}:{port} did not take the routes.")
        time.sleep(0.2)


def stop_replicas() -> None:
    """Take the replicas and Ray Serve's proxy down."""
    serve.shutdown()
