"""The README stays true: its set-up is the two commands, and it documents every setting."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_documents_every_environment_variable_of_config() -> None:
    config_source = (ROOT / "config.py").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    variables = set(re.findall(r"""(?:environ\.get|_env_bool|_env_list)\(\s*"([A-Z_]+)\"""", config_source))
    assert "DATABASE_URL" in variables and "SECRET_KEY" in variables
    undocumented = sorted(name for name in variables if f"`{name}`" not in readme)
    assert undocumented == []


def test_readme_set_up_is_make_run_and_make_test() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, re.MULTILINE) and re.search(r"^test:", makefile, re.MULTILINE)
