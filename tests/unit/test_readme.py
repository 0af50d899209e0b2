"""The README's example of testing without a browser runs as written."""

from pathlib import Path

README = (Path(__file__).parents[2] / "README.md").read_text()


def test_the_testing_without_a_browser_example_runs():
    section = README.split("### Testing without a browser", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["agent"].calls[-1] == ("track", ["Order Completed", {"total": 42}])


def test_the_consent_management_example_runs(monkeypatch):
    import pyodide_pendo
    from pyodide_pendo import Analytics
    from tests.unit.conftest import RecordingAgent

    agent = RecordingAgent()
    monkeypatch.setattr(pyodide_pendo, "rudderanalytics", Analytics(agent=agent))
    section = README.split("### Consent management", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})
    assert [arguments[0] for arguments in agent.of("track")] == ["Viewed Pricing", "Consent Management Interaction"]
