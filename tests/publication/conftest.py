"""Failures here are about the office's content, not the engine: say so in the report."""

from __future__ import annotations

import pytest

NOTE = (
    "tests/publication/ checks the office's publication (content/), not the engine: if the "
    "content changed on purpose, update the expected facts in this test."
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        report.sections.append(("what this test is about", NOTE))
