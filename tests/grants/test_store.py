"""The grants directory: deny by default, hot reload, last good grant on a broken edit, tokens, check."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest

from aircall_mcp.endpoint import Area
from aircall_mcp.grants import GrantError, GrantStore, Level, check_directory, hash_token, load, mint_token, store
from aircall_mcp.grants.load import MAX_GRANT_BYTES, parse_grant_bytes
from aircall_mcp.grants.store import SETTLE_SECONDS

from .conftest import SYNTHETIC, WriteGrant

SETTLE = SETTLE_SECONDS


class FakeClock:
    """Wall-clock seconds that move only when told (file mtimes are set against it)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def write_grant(tmp_path: Path) -> WriteGrant:
    """Write grants/<agent>.yaml as a file written a while ago (settled), and return its path."""
    directory = tmp_path / "grants"
    directory.mkdir(exist_ok=True)

    def write(agent: str, text: str) -> Path:
        path = directory / f"{agent}.yaml"
        path.write_text(text, encoding="utf-8")
        set_mtime(path, time.time() - 60)
        return path

    return write


def store_for(path: Path, clock: FakeClock | None = None) -> GrantStore:
    return GrantStore(path.parent, SYNTHETIC, clock=clock or time.time)


def set_mtime(path: Path, seconds: float) -> None:
    ns = int(seconds * 1e9)
    os.utime(path, ns=(ns, ns))


def rewrite(path: Path, text: str) -> None:
    """Change the file as a finished edit: last written well before the next look."""
    path.write_text(text, encoding="utf-8")
    set_mtime(path, time.time() - 10 * SETTLE)


def write_now(path: Path, text: str, clock: FakeClock, *, mode: str = "w") -> None:
    """Write (or append to) the file as a writer still at work would: last modified at the clock's now."""
    with path.open(mode, encoding="utf-8") as file:
        file.write(text)
    set_mtime(path, clock.now)


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


def test_an_oversized_edit_keeps_the_last_good_grant_and_is_logged_once(
    write_grant: WriteGrant, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_grant("support-agent", "areas: {calls: read}")
    grants = store_for(path)
    good = grants.grant_for("support-agent")
    rewrite(path, "description: " + "x" * MAX_GRANT_BYTES)
    with caplog.at_level(logging.WARNING, logger="aircall_mcp.grants"):
        for _ in range(3):
            assert grants.grant_for("support-agent") is good
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "larger than 256 KiB" in warning


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


async def test_minted_token_is_found_by_its_hash_only(write_grant: WriteGrant) -> None:
    token, line = mint_token()
    assert token.startswith("acm_")
    assert line == hash_token(token)
    assert token not in line
    path = write_grant("support-agent", f'tokens: ["{line}"]')
    write_grant("analyst", f'tokens: ["{mint_token()[1]}"]')
    grants = store_for(path)
    assert await grants.agent_for_token(token) == "support-agent"
    assert await grants.agent_for_token(token + "x") is None
    assert await grants.agent_for_token("") is None


async def test_token_of_a_deleted_grant_file_stops_working(write_grant: WriteGrant) -> None:
    token, line = mint_token()
    path = write_grant("support-agent", f'tokens: ["{line}"]')
    grants = store_for(path)
    assert await grants.agent_for_token(token) == "support-agent"
    path.unlink()
    assert await grants.agent_for_token(token) is None


async def test_a_token_listed_by_two_agents_is_refused_and_reported(write_grant: WriteGrant) -> None:
    token, line = mint_token()
    path = write_grant("support-agent", f'tokens: ["{line}"]')
    write_grant("analyst", f'tokens: ["{line}"]')
    assert await store_for(path).agent_for_token(token) is None
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


# -- hot reload: every edit, never a half-written file ------------------------------------------------------


def test_reliability_a_same_size_same_mtime_copy_is_noticed(write_grant: WriteGrant, tmp_path: Path) -> None:
    """Reliability regression: `cp -p` of a same-size file with the same mtime was never noticed."""
    path = write_grant("support-agent", "areas: {calls: read}\n")
    set_mtime(path, time.time() - 60)
    stat = path.stat()
    grants = store_for(path)
    assert grants.grant_for("support-agent").level(Area.CALLS) is Level.READ
    path.write_text("areas: {calls: full}\n", encoding="utf-8")  # same size, same inode
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # what `cp -p` does last
    assert path.stat().st_size == stat.st_size
    assert path.stat().st_mtime_ns == stat.st_mtime_ns
    assert grants.grant_for("support-agent").level(Area.CALLS) is Level.FULL


def test_reliability_a_just_truncated_file_keeps_the_last_good_grant_until_it_settles(write_grant: WriteGrant) -> None:
    """Reliability regression: a file truncated by a writer about to write it replaced the last good grant."""
    clock = FakeClock()
    path = write_grant("support-agent", "areas: {calls: read}\n")
    set_mtime(path, clock.now - 60)
    grants = store_for(path, clock)
    good = grants.grant_for("support-agent")
    write_now(path, "", clock)
    assert grants.grant_for("support-agent") is good
    clock.advance(SETTLE / 2)
    assert grants.grant_for("support-agent") is good
    # Still empty once settled: that is what the file says, a grant of nothing.
    clock.advance(SETTLE)
    settled = grants.grant_for("support-agent")
    assert settled is not good
    assert settled.level(Area.CALLS) is Level.OFF


async def test_security_a_prefix_of_a_file_being_written_is_never_applied(write_grant: WriteGrant) -> None:
    """Security regression: a file written line by line was applied at a prefix that lacked its deny line."""
    clock = FakeClock()
    path = write_grant("support-agent", "areas: {calls: read}\n")
    set_mtime(path, clock.now - 60)
    grants = store_for(path, clock)
    assert (await grants.current("support-agent")).level(Area.CALLS) is Level.READ
    lines = ["areas: {calls: full}\n", "tools: {deny: [delete_recording]}\n"]
    seen = []
    write_now(path, lines[0], clock)
    for line in lines[1:]:
        seen.append(await grants.current("support-agent"))
        clock.advance(SETTLE / 4)
        seen.append(await grants.current("support-agent"))
        write_now(path, line, clock, mode="a")
        seen.append(await grants.current("support-agent"))
    clock.advance(SETTLE)
    final = await grants.current("support-agent")
    assert all(g.level(Area.CALLS) is Level.READ for g in seen)
    assert final.level(Area.CALLS) is Level.FULL
    assert final.deny == {"delete_recording"}


def test_a_change_seen_unchanged_for_the_settle_time_applies_whatever_its_mtime(write_grant: WriteGrant) -> None:
    clock = FakeClock()
    path = write_grant("support-agent", "areas: {calls: read}\n")
    set_mtime(path, clock.now - 60)
    grants = store_for(path, clock)
    assert grants.grant_for("support-agent").level(Area.CALLS) is Level.READ
    path.write_text("areas: {calls: write}\n", encoding="utf-8")
    set_mtime(path, clock.now + 3600)  # a clock skewed ahead (a network filesystem, a `touch -d`)
    assert grants.grant_for("support-agent").level(Area.CALLS) is Level.READ
    clock.advance(SETTLE)
    assert grants.grant_for("support-agent").level(Area.CALLS) is Level.WRITE


def test_a_new_file_being_written_grants_nothing_until_it_settles(write_grant: WriteGrant) -> None:
    clock = FakeClock()
    path = write_grant("other", "")
    grants = store_for(path, clock)
    new = path.parent / "newcomer.yaml"
    write_now(new, "areas: {calls: full}\n", clock)
    waiting = grants.grant_for("newcomer")
    assert waiting.denied_because is not None
    assert "being written" in waiting.denied_because
    clock.advance(SETTLE)
    assert grants.grant_for("newcomer").level(Area.CALLS) is Level.FULL


def test_require_reads_the_file_as_it_is_at_start_up(write_grant: WriteGrant) -> None:
    clock = FakeClock()
    path = write_grant("support-agent", "")
    write_now(path, "areas: {calls: read}\n", clock)
    assert store_for(path, clock).require("support-agent").level(Area.CALLS) is Level.READ


async def test_current_parses_a_changed_file_off_the_event_loop(
    write_grant: WriteGrant, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_grant("support-agent", "areas: {calls: read}\n")
    set_mtime(path, time.time() - 60)
    threads: list[int] = []
    real = parse_grant_bytes

    def recording(*args: object, **kwargs: object) -> object:
        threads.append(threading.get_ident())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "parse_grant_bytes", recording)
    grants = store_for(path)
    assert (await grants.current("support-agent")).level(Area.CALLS) is Level.READ
    rewrite(path, "areas: {calls: write}\n")
    assert (await grants.current("support-agent")).level(Area.CALLS) is Level.WRITE
    assert len(threads) == 2
    assert threading.get_ident() not in threads


# -- one bad file never affects another agent ---------------------------------------------------------------


def alias_bomb(levels: int, width: int) -> str:
    """A few hundred bytes whose last alias stands for width**levels values."""
    lines = [f"b0: &b0 [{', '.join(['x'] * width)}]"]
    lines += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join([*lines, f"tools: {{allow: *b{levels - 1}}}", ""])


HOSTILE = {
    "deep-flow": "areas: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep-block": "".join("  " * i + f"k{i}:\n" for i in range(3000)),
    "deep-within-the-parser-limit": "areas: " + "[" * 200 + "]" * 200 + "\n",
    "bomb": alias_bomb(levels=8, width=10),
    "self-alias": "tools: &t {allow: [*t]}\n",
    "huge": "description: " + "x" * (MAX_GRANT_BYTES + 10) + "\n",
    "many-problems": "tools: {allow: [" + ", ".join(f"nope{i}" for i in range(5000)) + "]}\n",
    "not-utf8": "description: caf\udce9\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_security_a_hostile_grant_file_is_a_grant_error_that_harms_no_other_agent(
    write_grant: WriteGrant, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Security regression: a deep, aliased or huge grant file crashed the server or stalled it for seconds."""
    good = write_grant("analyst", "areas: {calls: read}\n")
    path = good.parent / f"{name}.yaml"
    path.write_bytes(HOSTILE[name].encode("utf-8", "surrogateescape"))
    set_mtime(path, time.time() - 60)
    grants = store_for(good)
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="aircall_mcp.grants"):
        hostile = await grants.current(name)
        assert grants.token_hashes() == []
    elapsed = time.perf_counter() - started
    assert hostile.denied_because is not None
    assert "has errors" in hostile.denied_because
    assert (await grants.current("analyst")).level(Area.CALLS) is Level.READ
    with pytest.raises(GrantError) as caught:
        grants.require(name)
    assert all(str(path) in problem for problem in caught.value.problems)
    assert len(str(caught.value)) < 10_000  # never a value expanded into the message
    assert max(len(r.getMessage()) for r in caplog.records) < 10_000
    assert elapsed < 5  # generous: the unbounded versions took tens of seconds


def test_reliability_a_fifo_named_like_a_grant_does_not_hang_the_store(tmp_path: Path) -> None:
    """Reliability regression: opening a FIFO blocks until a writer comes; a grant lookup must not."""
    os.mkfifo(tmp_path / "pipe.yaml")
    denied = GrantStore(tmp_path, SYNTHETIC).grant_for("pipe")
    assert denied.denied_because is not None
    assert "has errors" in denied.denied_because


@pytest.mark.parametrize("name", ["ok\n", "ok\r", "ok\x00", " ok", "ok/..", "OK"])
def test_security_agent_names_are_matched_exactly(write_grant: WriteGrant, name: str) -> None:
    """Security regression: `--agent 'ok\\n'` passed the name check (`$` matches before a final newline)."""
    path = write_grant("ok", "areas: {calls: read}\n")
    grants = store_for(path)
    assert grants.grant_for(name).denied_because is not None
    with pytest.raises(GrantError, match="not a valid agent name"):
        grants.require(name)


# -- the token index ----------------------------------------------------------------------------------------


async def test_the_token_index_updates_on_a_grant_edit(write_grant: WriteGrant) -> None:
    clock = FakeClock()
    old_token, old_line = mint_token()
    new_token, new_line = mint_token()
    path = write_grant("support-agent", f'tokens: ["{old_line}"]\n')
    set_mtime(path, clock.now - 60)
    grants = store_for(path, clock)
    assert await grants.agent_for_token(old_token) == "support-agent"
    assert await grants.agent_for_token(new_token) is None

    # Edited in place (the directory does not change): the new token is found by the next rescan of a miss.
    path.write_text(f'tokens: ["{old_line}", "{new_line}"]\n', encoding="utf-8")
    set_mtime(path, clock.now - 30)
    clock.advance(grants.rescan_seconds)
    assert await grants.agent_for_token(new_token) == "support-agent"

    # A removed token stops at once: the owner's file is re-read on every lookup.
    path.write_text(f'tokens: ["{new_line}"]\n', encoding="utf-8")
    set_mtime(path, clock.now - 30)
    assert await grants.agent_for_token(old_token) is None
    assert await grants.agent_for_token(new_token) == "support-agent"

    # Moved to a new file written then renamed into place: the directory changed, so the index follows.
    tmp = path.parent / ".analyst.yaml.tmp"
    tmp.write_text(f'tokens: ["{old_line}"]\n', encoding="utf-8")
    set_mtime(tmp, clock.now - 30)
    tmp.rename(path.parent / "analyst.yaml")
    assert await grants.agent_for_token(old_token) == "analyst"
    assert grants.token_hashes() == sorted([old_line, new_line])


async def test_unknown_tokens_reread_the_directory_at_most_once_per_interval(
    write_grant: WriteGrant, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    path = write_grant("support-agent", f'tokens: ["{mint_token()[1]}"]\n')
    grants = store_for(path, clock)
    scans = 0
    real = grants._read_directory

    def counting() -> object:
        nonlocal scans
        scans += 1
        return real()

    monkeypatch.setattr(grants, "_read_directory", counting)
    for _ in range(20):
        assert await grants.agent_for_token("acm_guess") is None
    assert scans == 1
    clock.advance(grants.rescan_seconds)
    assert await grants.agent_for_token("acm_guess") is None
    assert scans == 2


# -- the serving path reads an unchanged file once (issue 16) -------------------------------------------------


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    reads: list[Path] = []
    real = load.read_grant_file

    def counting(path: Path) -> object:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(store, "read_grant_file", counting)
    return reads


async def test_an_unchanged_grant_file_is_not_read_again_on_every_call(
    write_grant: WriteGrant, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    clock.advance(60)  # the file was last changed well before now
    path = write_grant("support-agent", "areas: {calls: read}\n")
    grants = store_for(path, clock)
    reads = _count_reads(monkeypatch)
    seen = [await grants.current("support-agent") for _ in range(6)]
    assert all(grant is seen[0] for grant in seen)
    assert len(reads) == 2  # applied from the first read, stamped at the second


async def test_a_grant_file_changed_just_now_is_read_on_every_call(
    write_grant: WriteGrant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Timestamps have a granularity: a file changed within the margin could change again unseen by a stat."""
    path = write_grant("support-agent", "areas: {calls: read}\n")
    grants = store_for(path, FakeClock())
    reads = _count_reads(monkeypatch)
    for _ in range(4):
        assert (await grants.current("support-agent")).level(Area.CALLS) is Level.READ
    assert len(reads) == 4


async def test_security_an_edit_of_a_grant_file_read_once_applies_on_the_next_call(
    write_grant: WriteGrant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Security regression guard: the stat shortcut must never keep a grant in force after its file changed,
    even an edit of the same size that puts the old modification time back."""
    clock = FakeClock()
    clock.advance(60)
    path = write_grant("support-agent", "areas: {calls: full}\n")
    mtime = path.stat().st_mtime_ns
    grants = store_for(path, clock)
    reads = _count_reads(monkeypatch)
    for _ in range(3):
        assert (await grants.current("support-agent")).level(Area.CALLS) is Level.FULL
    assert len(reads) == 2
    path.write_text("areas: {calls: read}\n", encoding="utf-8")  # same size
    os.utime(path, ns=(mtime, mtime))
    assert (await grants.current("support-agent")).level(Area.CALLS) is Level.READ
    assert len(reads) == 3
