"""The layout shows the pipeline, and the layers hold: checked on the source, so a shortcut fails here.

analysis imports only series, config, tempo and errors from above it; render reads results and live
state only; live never draws; only the command line exits; no module-level import cycles; no module
much over 400 lines; no ``__import__`` tricks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "formcheck"
MAX_LINES = 450
#: Known exceptions, each with its way out (none today).
EXCEPTIONS: set[str] = set()


def modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        rel = p.relative_to(PKG.parent).with_suffix("")
        name = ".".join(rel.parts)
        out[name[: -len(".__init__")] if name.endswith(".__init__") else name] = p
    return out


def imports(name: str, path: Path, top_level_only: bool = False) -> set[str]:
    """formcheck modules imported by one module (relative imports resolved)."""
    tree = ast.parse(path.read_text())
    pkg = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.startswith("formcheck"):
                subs = {f"{mod}.{a.name}" for a in node.names} & set(modules())
                out |= subs if subs else {mod}  # "from . import config" imports the module config
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("formcheck")}
    known = set(modules())
    return {m for m in out if m in known and m != name}


def test_analysis_imports_only_series_config_tempo_and_errors():
    allowed = ("formcheck.analysis", "formcheck.series", "formcheck.config", "formcheck.tempo", "formcheck.errors")
    for name, path in modules().items():
        if name.startswith("formcheck.analysis"):
            bad = {m for m in imports(name, path) if not m.startswith(allowed)}
            assert not bad, f"{name} imports {sorted(bad)}"


def test_render_reads_results_and_live_state_only_and_live_never_draws():
    for name, path in modules().items():
        deps = imports(name, path)
        if name.startswith("formcheck.render"):
            bad = {m for m in deps if m.startswith(("formcheck.cli", "formcheck.pipeline", "formcheck.pose"))
                   or (m.startswith("formcheck.live") and m != "formcheck.live.state")}
            assert not bad, f"{name} imports {sorted(bad)}"
        if name.startswith("formcheck.live"):
            bad = {m for m in deps if m.startswith(("formcheck.render", "formcheck.cli"))}
            assert not bad, f"{name} imports {sorted(bad)}"
        if not name.startswith(("formcheck.cli", "formcheck.__main__")):
            assert not {m for m in deps if m.startswith("formcheck.cli")}, f"{name} imports the command line"


def test_only_the_command_line_exits_and_nothing_uses_dunder_import():
    for name, path in modules().items():
        text = path.read_text()
        assert "__import__(" not in text, name
        if not name.startswith("formcheck.cli"):
            assert "sys.exit(" not in text, f"{name} calls sys.exit"


def test_no_module_level_import_cycles():
    graph = {name: imports(name, path, top_level_only=True) for name, path in modules().items()}

    def visit(node, stack, done):
        if node in stack:
            cycle = stack[stack.index(node):] + [node]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if node in done:
            return
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if not (node.startswith(dep + ".") or dep == node.rsplit(".", 1)[0]):  # a package importing itself
                visit(dep, stack, done)
        stack.pop()
        done.add(node)

    done: set[str] = set()
    for name in sorted(graph):
        visit(name, [], done)


def test_modules_stay_small():
    """The package, and the app's pages (app.py and app_pages/, a thin layer over it) too."""
    app = {p.stem if p.parent == PKG.parent else f"app_pages.{p.stem}": p
           for p in [PKG.parent / "app.py", *sorted((PKG.parent / "app_pages").glob("*.py"))]}
    assert "app" in app and "app_pages.analyse_tab" in app
    big = {name: n for name, path in {**modules(), **app}.items()
           if (n := len(path.read_text().splitlines())) > MAX_LINES and name not in EXCEPTIONS}
    assert not big, f"modules over {MAX_LINES} lines: {big}"
