"""Our own scripts: one behaviour, one handler.

Reproduced before: the meeting record's 打印 button opened the print dialog twice, because
``js/schoolops.js`` (every page) and ``consult/consult.js`` both handled ``[data-print]``.
Every ``data-*`` attribute that a script reacts to is handled by exactly one of our files.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from django.conf import settings

STATIC = Path(settings.BASE_DIR) / "static"
# A selector or dataset lookup naming a data attribute: "[data-print]", closest("[data-x=…]").
DATA_SELECTOR = re.compile(r"\[data-([a-z0-9-]+)")


def our_scripts() -> list[Path]:
    return [p for p in STATIC.rglob("*.js") if "vendor" not in p.parts and ".min." not in p.name]


def test_each_data_attribute_is_handled_by_one_script():
    scripts = our_scripts()
    assert len(scripts) >= 2
    handlers: dict[str, set[str]] = defaultdict(set)
    for script in scripts:
        for name in DATA_SELECTOR.findall(script.read_text(encoding="utf-8")):
            handlers[name].add(str(script.relative_to(STATIC)))
    assert "print" in handlers
    twice = {name: sorted(files) for name, files in handlers.items() if len(files) > 1}
    assert not twice, f"handled by more than one script: {twice}"
