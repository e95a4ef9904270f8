"""Where aircall-mcp finds its files when nobody says: the grants directory and the packaged examples.

The same rules on every platform (XDG variables, else the XDG defaults under the home directory), so the
README can name one path and an installed package finds what `aircall-mcp init` wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

ENV_GRANTS = "AIRCALL_MCP_GRANTS"
GRANT_SUFFIX = ".yaml"
DEFAULT_GRANTS_HELP = "$XDG_CONFIG_HOME/aircall-mcp/grants"


def state_home(env: Mapping[str, str]) -> Path:
    """`$XDG_STATE_HOME` (`~/.local/state`): where the audit log and the approvals queue live by default."""
    return Path(env.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")


def default_approvals_dir(env: Mapping[str, str]) -> Path:
    """`$XDG_STATE_HOME/aircall-mcp/approvals`: the approvals queue's file store, shared by server and CLI."""
    return state_home(env) / "aircall-mcp" / "approvals"


def config_home(env: Mapping[str, str]) -> Path:
    return Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def default_grants_dir(env: Mapping[str, str]) -> Path:
    """`$XDG_CONFIG_HOME/aircall-mcp/grants` (`~/.config/aircall-mcp/grants`): where `init` writes."""
    return config_home(env) / "aircall-mcp" / "grants"


def example_grants() -> Traversable:
    """The example grant files shipped inside the package (analyst, support-agent, ...)."""
    return files("aircall_mcp").joinpath("examples", "grants")


@dataclass(frozen=True)
class GrantsLocation:
    path: Path
    # How the path was chosen, for messages: "--grants", "AIRCALL_MCP_GRANTS", "./grants" or "the default".
    source: str


def resolve_grants_dir(flag: Path | None, env: Mapping[str, str], cwd: Path | None = None) -> GrantsLocation:
    """--grants, else AIRCALL_MCP_GRANTS, else ./grants if it exists, else the default grants directory."""
    if flag is not None:
        return GrantsLocation(Path(flag), "--grants")
    if env.get(ENV_GRANTS):
        return GrantsLocation(Path(env[ENV_GRANTS]), ENV_GRANTS)
    local = (cwd or Path.cwd()) / "grants"
    if local.is_dir():
        return GrantsLocation(Path("grants"), "./grants")
    return GrantsLocation(default_grants_dir(env), "the default")


class GrantsDirectoryError(Exception):
    """The grants directory cannot be served from; the message says what to do."""


def check_grants_dir(location: GrantsLocation) -> None:
    """Raise GrantsDirectoryError when the directory is missing, is a file, or holds no grant files."""
    path, source = location.path, location.source
    if not path.exists():
        target = "" if source == "the default" else f" --grants {path}"
        raise GrantsDirectoryError(
            f"the grants directory {path} ({source}) does not exist: run `aircall-mcp init{target}` to write the "
            f"example grants there, or point --grants or {ENV_GRANTS} at your grants directory"
        )
    if not path.is_dir():
        raise GrantsDirectoryError(
            f"{path} ({source}) is a file, not a directory: --grants and {ENV_GRANTS} name the directory that "
            f"holds one <agent>{GRANT_SUFFIX} file per agent (perhaps {path.parent})"
        )
    if not any(child.suffix == GRANT_SUFFIX and child.is_file() for child in path.iterdir()):
        raise GrantsDirectoryError(
            f"the grants directory {path} ({source}) has no grant files (<agent>{GRANT_SUFFIX}): "
            f"run `aircall-mcp init --grants {path}` to add the examples, or write one per agent"
        )
