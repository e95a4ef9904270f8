"""server.json (the MCP Registry entry) agrees with pyproject.toml and the README, on the 2025-12-11 schema."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import aircall_mcp
from aircall_mcp.locations import ENV_GRANTS, example_grants
from aircall_mcp.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ENV_SANDBOX = "AIRCALL_MCP_SANDBOX"
SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
# The 2025-12-11 schema's name pattern, and the keys it allows on a package (additionalProperties: false).
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$")
PACKAGE_KEYS = {
    "registryType",
    "registryBaseUrl",
    "identifier",
    "version",
    "fileSha256",
    "runtimeHint",
    "transport",
    "runtimeArguments",
    "packageArguments",
    "environmentVariables",
}
INPUT_KEYS = {"name", "description", "isRequired", "format", "value", "isSecret", "default", "placeholder", "choices"}
CREDENTIALS = {"AIRCALL_API_ID", "AIRCALL_API_TOKEN", "AIRCALL_ACCESS_TOKEN"}


def server_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "server.json").read_text(encoding="utf-8"))
    return data


def project() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return data


def readme_mcp_names() -> list[str]:
    # The registry looks for `mcp-name: NAME` followed by whitespace, a tag or the comment close.
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"mcp-name:\s*([^\s<]+?)(?=\s|-->|<|$)", text)


def test_server_json_uses_the_2025_12_11_schema() -> None:
    assert server_json()["$schema"] == SCHEMA


def test_server_json_name_matches_the_readme_mcp_name_line() -> None:
    name = server_json()["name"]
    assert NAME_PATTERN.match(name)
    assert name.startswith("io.github.")
    assert readme_mcp_names() == [name]


def test_server_json_version_matches_pyproject_and_the_package() -> None:
    data = server_json()
    version = project()["version"]
    assert data["version"] == version
    assert [package["version"] for package in data["packages"]] == [version]
    assert aircall_mcp.__version__ == version


def test_server_json_description_fits_the_registry_limit() -> None:
    description = server_json()["description"]
    assert 0 < len(description) <= 100


def test_server_json_lists_the_pypi_package_over_stdio() -> None:
    (package,) = server_json()["packages"]
    assert set(package) <= PACKAGE_KEYS
    assert package["registryType"] == "pypi"
    assert package["registryBaseUrl"] == "https://pypi.org"
    assert package["identifier"] == project()["name"]
    assert package["transport"] == {"type": "stdio"}
    assert package["packageArguments"][0] == {
        "type": "positional",
        "value": "serve",
        "description": package["packageArguments"][0]["description"],
    }


def test_server_json_marks_every_aircall_credential_secret() -> None:
    (package,) = server_json()["packages"]
    variables = {variable["name"]: variable for variable in package["environmentVariables"]}
    assert all(set(variable) <= INPUT_KEYS for variable in variables.values())
    assert set(variables) >= CREDENTIALS
    assert {name for name, variable in variables.items() if variable.get("isSecret")} == CREDENTIALS
    assert variables["AIRCALL_MCP_AGENT"]["isRequired"] is True


def test_server_json_carries_what_a_registry_user_sets_with_defaults_that_work() -> None:
    """The agent (defaulting to a grant `aircall-mcp init` writes), the grants directory, and the sandbox switch."""
    (package,) = server_json()["packages"]
    variables = {variable["name"]: variable for variable in package["environmentVariables"]}
    agent = variables["AIRCALL_MCP_AGENT"]
    assert example_grants().joinpath(f"{agent['default']}.yaml").is_file()
    grants_dir = variables[ENV_GRANTS]
    assert grants_dir["isRequired"] is False
    assert grants_dir["format"] == "filepath"
    assert "aircall-mcp init" in grants_dir["description"]
    sandbox = variables[ENV_SANDBOX]
    assert sandbox["isRequired"] is False
    assert sandbox["default"] == "false"
    credentials = {"AIRCALL_API_ID": "id", "AIRCALL_API_TOKEN": "token"}
    read = {
        choice: Settings.from_sources({}, {**credentials, ENV_SANDBOX: choice}).sandbox for choice in sandbox["choices"]
    }
    assert read == {"true": True, "false": False}
    assert "init" in package["packageArguments"][0]["description"]
