"""The package imports where POSIX-only modules do not exist (Windows): none is imported by our modules at
import time. Dependencies may import them behind their own platform checks, so only our imports are refused."""

from __future__ import annotations

import subprocess
import sys
import textwrap

POSIX_ONLY = ("fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "syslog")

_PROBE = textwrap.dedent(
    """
    import builtins, importlib, pkgutil, sys

    POSIX_ONLY = set(sys.argv[1:])
    real_import = builtins.__import__

    def guarded(name, globals=None, locals=None, fromlist=(), level=0):
        importer = (globals or {}).get("__name__") or ""
        if level == 0 and name.partition(".")[0] in POSIX_ONLY and importer.partition(".")[0] == "aircall_mcp":
            raise ImportError(f"{importer} imports the POSIX-only module {name}")
        return real_import(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded
    try:  # the guard itself works (an `import fcntl` in one of our modules is refused)
        exec("import fcntl", {"__name__": "aircall_mcp.probe"})
    except ImportError:
        pass
    else:
        sys.exit("the import guard let fcntl through")

    import aircall_mcp
    # __main__ runs the CLI when imported, by design; its one import is cli, which is walked.
    names = sorted(
        m.name for m in pkgutil.walk_packages(aircall_mcp.__path__, "aircall_mcp.") if m.name != "aircall_mcp.__main__"
    )
    for name in names:
        importlib.import_module(name)
    print(len(names))
    """
)


def test_every_module_imports_with_posix_only_modules_unavailable() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *POSIX_ONLY], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 60  # every module was walked, not just the package


def test_the_audit_sink_does_not_import_fcntl() -> None:
    """Regression: `import fcntl` in audit/sink.py made the package unimportable on Windows."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.replace("import aircall_mcp\n", "import aircall_mcp.audit.sink\n"), "fcntl"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
