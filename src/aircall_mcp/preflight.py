"""Checks made once at start-up, so a server that starts says honestly what it will be able to do.

- Aircall: one `GET /v1/ping` with the configured credentials. Rejected credentials stop the start-up with a
  message naming the variables; an Aircall that cannot be reached only warns (it may come back).
- HTTP: the listening socket is bound before anything says "serving", so a port in use is the first thing
  reported, not an error after the announcement.
"""

from __future__ import annotations

import logging
import os
import socket

import anyio

from aircall_mcp.client import AircallClient, BasicCredentials, Credentials
from aircall_mcp.endpoint import PreparedRequest
from aircall_mcp.errors import AircallError, AuthenticationError, ConfigurationError, CredentialsRejected

logger = logging.getLogger("aircall_mcp")

PING = PreparedRequest("GET", "/v1/ping")
# Long enough for Aircall's slowest healthy answer and a retry; short enough not to stall a client's start.
PING_TIMEOUT_SECONDS = 10.0


def auth_mode(credentials: Credentials) -> tuple[str, str]:
    """(what the credentials are, the variables that set them), for logs and messages; never a value."""
    if isinstance(credentials, BasicCredentials):
        return "API key (HTTP Basic)", "AIRCALL_API_ID and AIRCALL_API_TOKEN"
    return "OAuth access token (Bearer)", "AIRCALL_ACCESS_TOKEN"


async def check_aircall(client: AircallClient, credentials: Credentials) -> None:
    """Ping Aircall once. Raises ConfigurationError when the credentials are refused; warns when unreachable."""
    mode, variables = auth_mode(credentials)
    logger.info("Aircall API at %s, authenticating with an %s", client.base_url, mode)
    try:
        with anyio.fail_after(PING_TIMEOUT_SECONDS):
            await client.send(PING)
    except (AuthenticationError, CredentialsRejected) as exc:
        raise ConfigurationError(
            f"Aircall at {client.base_url} refused the credentials (HTTP {exc.status} on GET /v1/ping): "
            f"check {variables}"
        ) from None
    except (AircallError, TimeoutError) as exc:
        reason = f"no answer within {PING_TIMEOUT_SECONDS:.0f} s" if isinstance(exc, TimeoutError) else str(exc)
        logger.warning(
            "could not check the Aircall credentials at %s (%s); starting anyway: calls fail until Aircall answers",
            client.base_url,
            reason,
        )
        return
    logger.info("Aircall accepted the credentials")


class PortUnavailable(ConfigurationError):
    """The HTTP address cannot be listened on; the message names it and the flags to change it."""


def bind_listener(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port (port 0: any free port), ready for the HTTP server to listen on."""
    bare = host.strip("[]")
    # The address family as uvicorn picks it, so names such as localhost bind as they did before (IPv4).
    sock = socket.socket(socket.AF_INET6 if ":" in bare else socket.AF_INET, socket.SOCK_STREAM)
    try:
        if os.name != "nt":
            # As uvicorn does: a restart may bind while old connections linger in TIME_WAIT. (On Windows the
            # option would let two servers share the port, so it stays off there.)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((bare, port))
    except socket.gaierror as exc:
        sock.close()
        raise PortUnavailable(f"cannot listen on {host}:{port}: {exc.strerror}; check --host") from None
    except OSError as exc:
        sock.close()
        raise PortUnavailable(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} (is another server using the port? "
            "choose another with --port, or --port 0 for any free one)"
        ) from None
    return sock
