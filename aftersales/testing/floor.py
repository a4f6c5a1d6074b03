"""A pytest plugin: print how many tests ran and the wall time, and with `--test-floor FILE`
fail the run when fewer ran than FILE says (`make test` passes .ci/test_floor for a full run).
Under pytest-xdist the controller sees every worker's reports and counts them all. It imports
nothing of Django, so it can be tried on its own (aftersales/tests/test_suite.py)."""
import time
from pathlib import Path

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--test-floor", metavar="FILE",
        help="fail the run if fewer tests ran than the number in FILE (make test does this for a full run)",
    )


_STARTED = pytest.StashKey[float]()
_SESSION = pytest.StashKey[pytest.Session]()


def pytest_sessionstart(session):
    session.config.stash[_STARTED] = time.monotonic()
    session.config.stash[_SESSION] = session


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if hasattr(config, "workerinput"):  # an xdist worker: the controller reports for all
        return
    ran = sum(
        1
        for outcome in ("passed", "failed", "xfailed", "xpassed")
        for report in terminalreporter.stats.get(outcome, [])
        if getattr(report, "when", "call") == "call"
    )
    wall = time.monotonic() - config.stash[_STARTED]
    line = f"tests run: {ran} in {wall:.1f} s wall"
    floor_file = config.getoption("test_floor")
    if not floor_file:
        terminalreporter.write_line(line)
        return
    floor = int(Path(floor_file).read_text().split()[0])
    terminalreporter.write_line(f"{line}; the floor is {floor} ({floor_file})")
    if ran < floor:
        terminalreporter.write_line(
            f"FAILED: {floor - ran} fewer tests ran than the floor; a test was lost "
            f"(or lower {floor_file} on purpose, saying why in the commit)",
            red=True, bold=True,
        )
        session = config.stash[_SESSION]
        if session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif ran > floor:
        terminalreporter.write_line(f"{ran - floor} tests above the floor: raise it with `echo {ran} > {floor_file}`")
