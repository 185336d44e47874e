"""The README's commands stay true: CI runs exactly its test command; the quickstart runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_ci_runs_the_readme_test_command_exactly():
    readme = (ROOT / "README.md").read_text()
    blocks = _bash_blocks(readme)
    assert len(blocks) >= 2
    main_job, tests = blocks[0], blocks[1]
    assert main_job.endswith("monoverify verify")
    ci = (ROOT / ".ci" / "run").read_text()
    m = re.search(r"TEST_COMMAND='(.*)'", ci)
    assert m and m.group(1) == tests


def test_readme_quickstart_runs():
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"## Quickstart\n\n```python\n(.*?)```", readme, flags=re.S).group(1)
    exec(compile(code, "README-quickstart", "exec"), {})


def test_readme_downstream_example_is_the_tested_file():
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / "docs" / "downstream_example.py").read_text()
    assert example in readme
