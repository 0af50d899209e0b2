"""The README's example of testing without a browser runs as written."""

from pathlib import Path

from tests.unit.async_support import run

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


def porting_examples() -> list[str]:
    """The Python column of the README's table "From the JavaScript SDK": each code span in it."""
    section = README.split("### From the JavaScript SDK", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]  # after the header
    return [span for row in rows for span in row.split(" | ")[1].split("`")[1::2]]


def test_the_porting_table_examples_run_as_written():
    """Each Python example of the porting table runs as printed (with its placeholders defined), and the ones
    whose result the table states give it."""
    from pyodide_pendo import Analytics
    from pyodide_pendo.messages import FixedEnvironment, PageInfo
    from tests.unit.conftest import RecordingAgent

    agent = RecordingAgent()
    rudderanalytics = Analytics(agent=agent, environment=FixedEnvironment(PageInfo(url="https://example.com/")))
    delivered: list = []
    namespace = {"rudderanalytics": rudderanalytics, "PENDO_API_KEY": "KEY", "options": {}, "cb": delivered.append,
                 "on_ready": lambda error=None: delivered.append(error), "amp_linker_param": "1*x*rs_amp_id*eA==",
                 "getAnonymousId": rudderanalytics.getAnonymousId}
    examples = porting_examples()
    ran = []
    for example in examples:
        if not example.startswith(("rudderanalytics.", "await ", "getAnonymousId(", "{")):
            continue  # prose in code type: `from`, `from_`, `context.ip`, `"1.2.3.4"`, `reset(True)`
        if example.startswith("await "):
            async def awaited(expression: str = example[6:]) -> None:
                await eval(compile(expression, "README.md", "eval"), namespace)

            run(awaited())  # on its own thread: in a full run Playwright's loop runs on this one
        else:
            namespace["result"] = eval(compile(example, "README.md", "eval"), namespace)
        ran.append(example)
    assert len(ran) == 18, ran
    identify = next(message for message in delivered if isinstance(message, dict) and message["type"] == "identify")
    assert identify["context"]["ip"] == "1.2.3.4"
    page = [args for method, args in agent.calls if method == "pageLoad"][-1]
    assert page == ["https://example.com/docs"]
