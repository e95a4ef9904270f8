"""Events at start-up: the store, the tokens deliveries must carry, the receiver, and (with the sandbox) the
sandbox's webhook pointed at this server, so `serve --sandbox --transport http` runs the whole path locally."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import anyio
import httpx2
from pydantic import SecretStr

from aircall_mcp.client import AircallClient
from aircall_mcp.errors import AircallError
from aircall_mcp.events.feed import EventFeed
from aircall_mcp.events.receiver import MAX_DELIVERY_BYTES, WEBHOOK_PATH, WebhookReceiver
from aircall_mcp.events.store import EventStore, MemoryEventStore, Retention
from aircall_mcp.events.tokens import WebhookTokens, learn_tokens

if TYPE_CHECKING:
    from aircall_mcp.sandbox import SandboxHandle

logger = logging.getLogger("aircall_mcp.events")


@dataclass(frozen=True)
class EventOptions:
    """How the server receives and keeps events. `tokens`: from AIRCALL_WEBHOOK_TOKEN; `learn_tokens`: also
    accept the token of every webhook of the account (read once at start-up)."""

    enabled: bool = True
    webhook_path: str = WEBHOOK_PATH
    retention: Retention = field(default_factory=Retention)
    tokens: tuple[SecretStr, ...] = ()
    learn_tokens: bool = True
    max_body_bytes: int = MAX_DELIVERY_BYTES
    # With the sandbox: simulate a call on a random number this often (seconds; 0 = only on request).
    sandbox_calls_every: float = 0.0
    # Keep the stream in Redis, shared by every replica of this company (None: in this process).
    redis_url: SecretStr | None = None


@asynccontextmanager
async def running_events(
    options: EventOptions,
    client: AircallClient,
    *,
    sandbox: SandboxHandle | None,
    receiver_url: str | None,
    company: str,
) -> AsyncIterator[EventFeed]:
    """The feed for one served process, with its receiver when `receiver_url` is given (HTTP); sandbox deliveries
    run in the background. `company` names the Redis namespace (a hash, never a secret). Raises
    SharedStateUnavailable when the Redis stream cannot be reached at start-up."""
    async with AsyncExitStack() as stack:
        store: EventStore
        if options.redis_url is not None:
            # Imported here: they import the Redis client, which a server without Redis need not load at start-up.
            from aircall_mcp.events.redis_store import RedisEventStore  # noqa: PLC0415
            from aircall_mcp.shared.redis_store import RedisStore  # noqa: PLC0415

            shared = RedisStore(options.redis_url.get_secret_value(), company)
            stack.push_async_callback(shared.aclose)
            await shared.ping()
            store = RedisEventStore(shared, options.retention)
            logger.info("events are kept in Redis at %s", shared.url)
        else:
            store = MemoryEventStore(options.retention)
        if receiver_url is None:
            yield EventFeed(store)
            return
        async with _receiving(options, client, store, sandbox=sandbox, receiver_url=receiver_url) as feed:
            yield feed


@asynccontextmanager
async def _receiving(
    options: EventOptions, client: AircallClient, store: EventStore, *, sandbox: SandboxHandle | None, receiver_url: str
) -> AsyncIterator[EventFeed]:
    tokens = WebhookTokens(list(options.tokens))
    async with anyio.create_task_group() as group, AsyncExitStack() as stack:
        if sandbox is not None:
            # Only the sandbox's sender needs an HTTP client (a TLS context: tens of ms of every HTTP start).
            http = await stack.enter_async_context(httpx2.AsyncClient())
            sender = sandbox.sandbox.webhooks
            hook = sender.add_receiver(receiver_url)
            tokens.add(SecretStr(hook.token))
            group.start_soon(sender.run, http)
            if options.sandbox_calls_every > 0:
                group.start_soon(_simulate_calls, sandbox, options.sandbox_calls_every)
            logger.info("the sandbox delivers its webhooks to %s", receiver_url)
            if urlsplit(receiver_url).port == 0:
                logger.warning("with --port 0 the sandbox cannot know where to deliver: give a fixed --port for events")
        elif options.learn_tokens:
            try:
                learned = await learn_tokens(client, tokens)
                logger.info("accepting deliveries of the account's %d webhooks", learned)
            except AircallError as exc:
                logger.warning("could not read the account's webhooks to learn their tokens: %s", exc)
        if not len(tokens):
            logger.warning(
                "no webhook token known: every delivery to %s will be refused "
                "(set AIRCALL_WEBHOOK_TOKEN or run `aircall-mcp webhooks register`)",
                options.webhook_path,
            )
        receiver = WebhookReceiver(store, tokens, max_body_bytes=options.max_body_bytes)
        try:
            yield EventFeed(store, receiver=receiver)
        finally:
            group.cancel_scope.cancel()


async def _simulate_calls(sandbox: SandboxHandle, every: float) -> None:
    numbers = sorted(sandbox.sandbox.state.numbers)
    index = 0
    while numbers:
        await anyio.sleep(every)
        sandbox.sandbox.webhooks.simulate_call(numbers[index % len(numbers)])
        index += 1
