"""One settings model: flags over environment over defaults, clear errors, and a README table that cannot drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from aircall_mcp.cli import build_parser
from aircall_mcp.configtable import END_MARKER, START_MARKER, main, render_configuration_table
from aircall_mcp.credentials import BasicCredentials
from aircall_mcp.errors import ConfigurationError
from aircall_mcp.settings import DEFAULT_MAX_RESULT_BYTES, Settings, options
from aircall_mcp.tooltable import replace_block

README = Path(__file__).resolve().parents[2] / "README.md"
SANDBOX_ENV = {"AIRCALL_MCP_SANDBOX": "1", "XDG_STATE_HOME": "/state"}


def settings_from(argv: list[str], env: dict[str, str]) -> Settings:
    """What `aircall-mcp serve ARGV` would run with in environment `env`."""
    return Settings.from_sources(vars(build_parser().parse_args(["serve", *argv])), env)


def test_defaults_are_the_documented_ones_when_nothing_is_given() -> None:
    settings = settings_from(["--sandbox"], {"XDG_STATE_HOME": "/state"})
    assert settings.rate_limit == 120
    assert settings.max_wait_seconds == 30.0
    assert settings.max_result_bytes == DEFAULT_MAX_RESULT_BYTES == 100_000
    # Issue 12: no default in the model; the CLI resolves ./grants if it exists, else the default grants directory.
    assert settings.grants_dir is None
    assert settings.audit_log == Path("/state/aircall-mcp/audit.jsonl")
    assert settings.audit_dir_create
    assert settings.http.port == 8000
    assert settings.credentials is None  # the sandbox brings its own


def test_environment_sets_every_kind_of_value_and_a_flag_wins_over_it() -> None:
    env = {
        **SANDBOX_ENV,
        "AIRCALL_MCP_RATE_LIMIT": "60",
        "AIRCALL_MCP_MAX_WAIT": "2.5",
        "AIRCALL_MCP_STATELESS": "yes",
        "AIRCALL_MCP_ALLOWED_HOSTS": "a.example, b.example",
        "AIRCALL_MCP_AUDIT_FSYNC": "line",
        "AIRCALL_MCP_AUDIT_LOG": "/var/log/audit.jsonl",
    }
    settings = settings_from(["--rate-limit", "30", "--allowed-host", "c.example"], env)
    assert settings.sandbox
    assert settings.rate_limit == 30  # the flag
    assert settings.max_wait_seconds == 2.5
    assert settings.http.stateless
    assert settings.http.allowed_hosts == ("c.example",)
    assert settings.audit_fsync == "line"
    assert settings.audit_log == Path("/var/log/audit.jsonl")
    assert not settings.audit_dir_create  # a path the operator named: its directory must exist


def test_empty_environment_variables_count_as_unset() -> None:
    settings = settings_from([], {**SANDBOX_ENV, "AIRCALL_MCP_RATE_LIMIT": "", "AIRCALL_MCP_AGENT": " "})
    assert settings.rate_limit == 120
    assert settings.agent is None


@pytest.mark.parametrize(
    ("argv", "env", "named", "valid"),
    [
        (["--rate-limit", "0"], {}, "--rate-limit", "greater than or equal to 1"),
        ([], {"AIRCALL_MCP_RATE_LIMIT": "lots"}, "AIRCALL_MCP_RATE_LIMIT", "integer"),
        ([], {"AIRCALL_MCP_AUDIT_FSYNC": "always"}, "AIRCALL_MCP_AUDIT_FSYNC", "'never' or 'line'"),
        ([], {"AIRCALL_MCP_STATELESS": "maybe"}, "AIRCALL_MCP_STATELESS", "1/true/yes/on"),
        (["--port", "70000"], {}, "--port", "less than or equal to 65535"),
    ],
    ids=["flag-range", "env-type", "env-choice", "env-bool", "nested-http-flag"],
)
def test_a_bad_value_is_refused_naming_the_flag_or_variable_and_what_is_valid(
    argv: list[str], env: dict[str, str], named: str, valid: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        settings_from(argv, {**SANDBOX_ENV, **env})
    assert named in str(caught.value)
    assert valid in str(caught.value)


def test_credentials_are_read_only_without_the_sandbox_and_never_shown() -> None:
    env = {"AIRCALL_API_ID": "id-123", "AIRCALL_API_TOKEN": "tok-secret-456", "XDG_STATE_HOME": "/state"}
    settings = settings_from([], env)
    assert isinstance(settings.credentials, BasicCredentials)
    assert "tok-secret-456" not in repr(settings)
    assert "tok-secret-456" not in str(settings.model_dump())
    assert settings_from(["--sandbox"], {"AIRCALL_API_ID": "half"}).credentials is None


def test_a_set_but_empty_credential_is_reported_as_empty_not_missing() -> None:
    with pytest.raises(ConfigurationError) as caught:
        settings_from([], {"AIRCALL_API_ID": "id-123", "AIRCALL_API_TOKEN": ""})
    assert "AIRCALL_API_TOKEN is set but empty" in str(caught.value)
    with pytest.raises(ConfigurationError) as caught:
        settings_from([], {"AIRCALL_API_ID": "id-123"})
    assert "AIRCALL_API_TOKEN is not set" in str(caught.value)
    with pytest.raises(ConfigurationError) as caught:
        settings_from([], {"AIRCALL_ACCESS_TOKEN": "  "})
    assert "AIRCALL_ACCESS_TOKEN is set but empty" in str(caught.value)


def test_every_serve_flag_and_variable_is_named_once() -> None:
    flags = [option.source.flag for option in options() if option.source.flag]
    variables = [option.source.env for option in options() if option.source.env]
    assert len(flags) == len(set(flags))
    assert len(variables) == len(set(variables))
    assert all(name.startswith("AIRCALL_") for name in variables)


def test_configuration_table_lists_every_setting_with_its_flag_variable_and_default() -> None:
    table = render_configuration_table()
    for option in options():
        row = next(line for line in table.splitlines() if f"`{option.source.env}`" in line)
        if option.source.flag:
            assert f"`{option.source.flag}`" in row
    assert "| `--rate-limit` | `AIRCALL_MCP_RATE_LIMIT` | `120` |" in table
    assert "`AIRCALL_API_ID` + `AIRCALL_API_TOKEN`" in table


def test_module_mode_rewrites_the_configuration_block_and_check_mode_reports_staleness(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START_MARKER}\nstale\n{END_MARKER}\n", encoding="utf-8")
    assert main([str(readme), "--check"]) == 1
    assert main([str(readme)]) == 0
    assert "`--max-wait`" in readme.read_text(encoding="utf-8")
    assert main([str(readme), "--check"]) == 0


def test_readme_configuration_table_is_current() -> None:
    document = README.read_text(encoding="utf-8")
    assert replace_block(document, render_configuration_table(), (START_MARKER, END_MARKER)) == document, (
        "README configuration table is stale: run make tooltable"
    )
