"""The refunds package stands below the task layer: the tasks wrap it, it never
imports them (the old circle lifecycle → payments → tasks → lifecycle)."""

import ast
from pathlib import Path

import return_portal.refunds

PACKAGE = Path(return_portal.refunds.__file__).parent
PARTS = ("return_portal", "refunds")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (module level or in a function),
    relative imports resolved against return_portal.refunds."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = list(PARTS[: len(PARTS) - (node.level - 1)])
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_the_refunds_package_never_imports_the_tasks():
    files = sorted(PACKAGE.glob("*.py"))
    assert {path.name for path in files} >= {"estimate.py", "booking.py", "payout.py"}
    for path in files:
        tasks = {name for name in imported_modules(path) if name.startswith("return_portal.tasks")}
        assert not tasks, f"{path.name} imports {tasks}"


def test_the_import_walk_sees_a_relative_import_of_the_tasks(tmp_path):
    # The walk above must catch the relative spelling too, or it could never fail.
    sample = tmp_path / "sample.py"
    sample.write_text("def later():\n    from ..tasks import execute_refund\n")
    assert "return_portal.tasks.execute_refund" in imported_modules(sample)
    sample.write_text("from .. import tasks\n")
    assert "return_portal.tasks" in imported_modules(sample)
