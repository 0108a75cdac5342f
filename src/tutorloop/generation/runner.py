"""Runs generation jobs in background threads, one item at a time, in short transactions.

A job reads an item in a read transaction, calls the endpoint holding no transaction at all, then writes
the new responses and the job's progress in one short write transaction. The SQLite writer lock of this
process is not re-entrant, so no write session is ever opened inside another.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select

from tutorloop.config import Settings
from tutorloop.db import Database, utcnow
from tutorloop.errors import Invalid
from tutorloop.generation.client import (
    Cancelled,
    ChatClient,
    EndpointConfig,
    EndpointError,
    ItemError,
    RateLimiter,
)
from tutorloop.generation.models import GenerationJob
from tutorloop.generation.service import (
    Outcome,
    apply_outcome,
    chat_messages,
    has_model,
    room_error,
    skip_reason,
)
from tutorloop.items.models import Item

log = logging.getLogger("tutorloop.generation")
_RUNNER_LOCK = threading.Lock()


class GenerationRunner:
    """The generation threads of one process, with a shared rate limit."""

    def __init__(self, db: Database, settings: Settings, *, transport=None):
        self.db = db
        self.settings = settings
        self.limiter = RateLimiter(settings.generation_rate_per_minute)
        self.transport = transport  # tests may pass an httpx transport
        self._threads: dict[int, tuple[threading.Thread, threading.Event]] = {}
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        """True when an endpoint is set."""
        return bool(self.settings.generation_base_url)

    def start(self, job_id: int) -> None:
        """Run a queued job in a thread of its own."""
        cancel = threading.Event()
        thread = threading.Thread(target=self._run, args=(job_id, cancel), daemon=True, name=f"generation-{job_id}")
        with self._lock:
            self._threads[job_id] = (thread, cancel)
        thread.start()

    def cancel(self, job_id: int) -> None:
        """Wake a running job so it stops now (the job row says so too, for other processes)."""
        with self._lock:
            entry = self._threads.get(job_id)
        if entry is not None:
            entry[1].set()

    def join(self, job_id: int, timeout: float | None = None) -> bool:
        """Wait for a job's thread; True once it ended."""
        with self._lock:
            entry = self._threads.get(job_id)
        if entry is None:
            return True
        entry[0].join(timeout)
        return not entry[0].is_alive()

    def _client(self) -> ChatClient:
        s = self.settings
        config = EndpointConfig(base_url=s.generation_base_url, api_key=s.generation_api_key,
                                timeout=s.generation_timeout, max_retries=s.generation_max_retries,
                                retry_backoff=s.generation_retry_backoff)
        return ChatClient(config, self.limiter, transport=self.transport)

    def _run(self, job_id: int, cancel: threading.Event) -> None:
        client = None
        try:
            begun = self._begin(job_id)
            if begun is None:
                return
            model, project_id, params = begun
            item_ids = self._select(project_id, model, params)
            with self.db.session() as session:
                job = session.get(GenerationJob, job_id)
                job.total, job.updated_at = len(item_ids), utcnow()
                if job.cancel_requested:
                    cancel.set()
            client = self._client()

            def wait(seconds: float) -> bool:
                return cancel.wait(seconds) if seconds > 0 else cancel.is_set()

            for item_id in item_ids:
                if cancel.is_set():
                    break
                outcome = self._generate(client, item_id, model=model, params=params, wait=wait)
                with self.db.session() as session:
                    if apply_outcome(session, job_id=job_id, item_id=item_id, outcome=outcome):
                        cancel.set()
            self._finish(job_id, "cancelled" if cancel.is_set() else "done", None)
        except Cancelled:
            self._finish(job_id, "cancelled", None)
        except EndpointError as exc:
            self._finish(job_id, "failed", f"the endpoint refused the request: {exc.message}")
        except Exception:  # a broken job must not take the server down; the row says it failed
            log.exception("generation job %s failed", job_id)
            self._finish(job_id, "failed", "internal error while generating; see the server log")
        finally:
            if client is not None:
                client.close()
            with self._lock:
                self._threads.pop(job_id, None)

    def _begin(self, job_id: int) -> tuple[str, int, dict] | None:
        with self.db.session() as session:
            job = session.get(GenerationJob, job_id)
            if job is None or job.status != "queued":
                return None  # cancelled before it started
            now = utcnow()
            job.status, job.started_at, job.updated_at = "running", now, now
            return job.model, job.project_id, dict(job.params)

    def _select(self, project_id: int, model: str, params: dict) -> list[int]:
        """Ids of the ordinary items to visit; with only_missing, those without a response of the model."""
        query = (select(Item.id, Item.data).where(Item.project_id == project_id, Item.is_gold.is_(False))
                 .order_by(Item.id))
        with self.db.session(write=False) as session:
            rows = session.execute(query).yield_per(500)
            return [item_id for item_id, data in rows
                    if not (params["only_missing"] and has_model(data or {}, params["responses_field"], model))]

    def _generate(self, client: ChatClient, item_id: int, *, model: str, params: dict, wait) -> Outcome:
        with self.db.session(write=False) as session:
            item = session.get(Item, item_id)
            if item is None:
                return Outcome(skip="deleted")
            reason = skip_reason(session, item, model=model, params=params)
            if reason is not None:
                return Outcome(skip=reason)
            full = room_error(item.data, params["responses_field"], params["n_per_item"])
            if full is not None:
                return Outcome(error=full)
            try:
                messages = chat_messages(item.data, params["chat_field"])
            except Invalid as exc:
                return Outcome(error=exc.message)
        try:
            contents = client.complete(model=model, messages=messages, n=params["n_per_item"],
                                       temperature=params["temperature"], max_tokens=params["max_tokens"],
                                       wait=wait)
        except EndpointError:
            raise
        except ItemError as exc:
            return Outcome(error=exc.message, status=exc.status)
        return Outcome(contents=contents)

    def _finish(self, job_id: int, status: str, message: str | None) -> None:
        with self.db.session() as session:
            job = session.get(GenerationJob, job_id)
            if job is None:
                return
            now = utcnow()
            job.status, job.finished_at, job.updated_at = status, now, now
            if message is not None:
                job.message = message
            elif status == "cancelled" and job.message is None:
                job.message = f"cancelled after {job.done} of {job.total} items"


def get_runner(app) -> GenerationRunner:
    """The application's runner, made on first use."""
    with _RUNNER_LOCK:
        runner = getattr(app.state, "generation", None)
        if runner is None:
            runner = GenerationRunner(app.state.db, app.state.settings)
            app.state.generation = runner
        return runner
