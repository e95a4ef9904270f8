"""The grants directory: deny by default, hot reload, last good grant on a broken edit, tokens, check."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from aircall_mcp.endpoint import Area
from aircall_mcp.grants import GrantError, GrantStore, Level, check_directory, hash_token, mint_token

from .conftest import SYNTHETIC, WriteGrant


def store_for(path: Path) -> GrantStore:
    return GrantStore(path.parent, SYNTHETIC)


def rewrite(path: Path, text: str) -> None:
    """Change the file and move its mtime forward, as an editor saving it a moment later would."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def test_agent_without_a_file_is_denied_everything(tmp_path: Path) -> None:
    g = GrantStore(tmp_path, SYNTHETIC).grant_for("ghost")
    assert g.denied_because is not None
    assert "there is no grant file" in g.denied_because


def test_broken_file_never_loaded_grants_nothing_and_logs_why(
    write_grant: WriteGrant, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_grant("support-agent", "areas: {calls: wirte}")
    with caplog.at_level(logging.WARNING, logger="aircall_mcp.grants"):
        g = store_for(path).grant_for("support-agent")
    assert g.denied_because is not None
    assert "has errors" in g.denied_because
    assert "did you mean 'write'?" in caplog.text


def test_invalid_agent_name_is_denied_and_never_becomes_a_path(write_grant: WriteGrant) -> None:
    path = write_grant("ok", "areas: {calls: read}")
    g = store_for(path).grant_for("../grants/ok")
    assert g.denied_because is not None
    assert "not a valid agent name" in g.denied_because


def test_an_edit_takes_effect_on_the_next_lookup_without_a_restart(write_grant: WriteGrant) -> None:
    path = write_grant("support-agent", "areas: {calls: read}")
    store = store_for(path)
    assert store.grant_for("support-agent").level(Area.CALLS) is Level.READ
    rewrite(path, "areas: {calls: full}")
    assert store.grant_for("support-agent").level(Area.CALLS) is Level.FULL


def test_an_unchanged_file_is_not_read_again(write_grant: WriteGrant) -> None:
    path = write_grant("support-agent", "areas: {calls: read}")
    store = store_for(path)
    first = store.grant_for("support-agent")
    assert store.grant_for("support-agent") is first


def test_a_broken_edit_keeps_the_last_good_grant_and_logs_why(
    write_grant: WriteGrant, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_grant("support-agent", "areas: {calls: read}")
    store = store_for(path)
    good = store.grant_for("support-agent")
    rewrite(path, "areas: {calls: read}\ntools: {deny: [tag_calls]}")
    with caplog.at_level(logging.WARNING, logger="aircall_mcp.grants"):
        assert store.grant_for("support-agent") is good
        assert store.grant_for("support-agent") is good
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # logged once per broken version, not on every call
    assert "keeping the last good grant" in warnings[0].getMessage()
    assert "did you mean 'tag_call'?" in warnings[0].getMessage()
    rewrite(path, "areas: {calls: write}")
    assert store.grant_for("support-agent").level(Area.CALLS) is Level.WRITE


def test_deleting_the_file_revokes_the_grant(write_grant: WriteGrant) -> None:
    path = write_grant("support-agent", "areas: {calls: read}")
    store = store_for(path)
    assert store.grant_for("support-agent").denied_because is None
    path.unlink()
    assert store.grant_for("support-agent").denied_because is not None


def test_require_refuses_a_missing_grant_and_lists_the_agents_that_exist(write_grant: WriteGrant) -> None:
    path = write_grant("analyst", "areas: {calls: read}")
    with pytest.raises(GrantError, match=r"no grant file for agent 'support-agent'.*agents with a grant file: analyst"):
        store_for(path).require("support-agent")


def test_require_refuses_a_broken_grant_with_every_problem(write_grant: WriteGrant) -> None:
    path = write_grant("support-agent", "areas: {calls: wirte}\ntools: {deny: [tag_calls]}")
    with pytest.raises(GrantError) as caught:
        store_for(path).require("support-agent")
    assert len(caught.value.problems) == 2


def test_require_returns_a_good_grant(write_grant: WriteGrant) -> None:
    path = write_grant("support-agent", "areas: {calls: read}")
    assert store_for(path).require("support-agent").level(Area.CALLS) is Level.READ


def test_a_broken_file_disables_only_its_own_agent(write_grant: WriteGrant) -> None:
    write_grant("analyst", "areas: {calls: read}")
    path = write_grant("support-agent", "areas: {calls: wirte}")
    store = store_for(path)
    assert store.grant_for("analyst").denied_because is None
    assert store.grant_for("support-agent").denied_because is not None


def test_minted_token_is_found_by_its_hash_only(write_grant: WriteGrant) -> None:
    token, line = mint_token()
    assert token.startswith("acm_")
    assert line == hash_token(token)
    assert token not in line
    path = write_grant("support-agent", f'tokens: ["{line}"]')
    write_grant("analyst", f'tokens: ["{mint_token()[1]}"]')
    store = store_for(path)
    assert store.agent_for_token(token) == "support-agent"
    assert store.agent_for_token(token + "x") is None
    assert store.agent_for_token("") is None


def test_token_of_a_deleted_grant_file_stops_working(write_grant: WriteGrant) -> None:
    token, line = mint_token()
    path = write_grant("support-agent", f'tokens: ["{line}"]')
    store = store_for(path)
    assert store.agent_for_token(token) == "support-agent"
    path.unlink()
    assert store.agent_for_token(token) is None


def test_a_token_listed_by_two_agents_is_refused_and_reported(write_grant: WriteGrant) -> None:
    token, line = mint_token()
    path = write_grant("support-agent", f'tokens: ["{line}"]')
    write_grant("analyst", f'tokens: ["{line}"]')
    assert store_for(path).agent_for_token(token) is None
    problems, ok = check_directory(path.parent, SYNTHETIC)
    assert not ok
    (problem,) = problems
    assert "listed in several files" in problem
    assert line not in problem  # a prefix identifies it; the full hash stays in the files


def test_token_hashes_lists_every_agents_hashes(write_grant: WriteGrant) -> None:
    first, second = mint_token()[1], mint_token()[1]
    path = write_grant("support-agent", f'tokens: ["{first}"]')
    write_grant("analyst", f'tokens: ["{second}"]')
    assert store_for(path).token_hashes() == sorted([first, second])


def test_check_reports_every_broken_file_and_bad_names(write_grant: WriteGrant) -> None:
    path = write_grant("good", "areas: {calls: read}")
    write_grant("broken", "areas: {calls: wirte}")
    write_grant("Bad Name", "")
    (path.parent / "old.yml").write_text("", encoding="utf-8")
    (path.parent / "README.md").write_text("not a grant", encoding="utf-8")
    problems, ok = check_directory(path.parent, SYNTHETIC)
    assert not ok
    assert len(problems) == 3
    joined = "\n".join(problems)
    assert "broken.yaml" in joined
    assert "'Bad Name' is not a valid agent name" in joined
    assert "grant files must end in .yaml" in joined


def test_check_of_a_clean_directory_is_ok(write_grant: WriteGrant) -> None:
    path = write_grant("good", "areas: {calls: read}")
    write_grant("empty", "")
    assert check_directory(path.parent, SYNTHETIC) == ([], True)


def test_check_of_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    problems, ok = check_directory(tmp_path / "nope", SYNTHETIC)
    assert not ok
    assert "does not exist" in problems[0]
