"""The rule modules are pure Python: importing them must not import Django."""

import subprocess
import sys

PURE_MODULES = [
    "assessment.scoring",
    "assessment.framework",
    "assessment.allocation",
    "assessment.workflow",
    "assessment.triage",
    "assessment.statistics",
    "evidence.workflow",
    "evidence.filecheck",
    "common.charts",
    "letters.wording",
    "support.workflow",
    "ccgs.mergers",
    "ccgs.register_file",
]


def test_rule_modules_import_without_django():
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in PURE_MODULES)
        + "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        + "print(','.join(loaded))\n"
    )
    result = subprocess.run(  # noqa: S603  (fixed interpreter and code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={}
    )
    assert result.stdout.strip() == ""
