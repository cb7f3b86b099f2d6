"""The layers point down (ARCHITECTURE.md), read from the imports of every module of the package:
lazy imports and imports for type checking count too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The installed name of each top-level folder (pyproject.toml, [tool.setuptools.package-dir]).
FOLDERS = {
    "hypewatch": "hypewatch",
    "crawler": "hypewatch.crawler",
    "nlp": "hypewatch.nlp",
    "storage": "hypewatch.storage",
    "alerts": "hypewatch.alerts",
    "report": "hypewatch.report",
    "lake": "hypewatch.lake",
}
#: The bottom: records, settings types, errors, scopes and measures; they import no stage.
CORE = {"hypewatch.records", "hypewatch.settings", "hypewatch.errors", "hypewatch.scopes", "hypewatch.measures"}
#: The score stage's glue (nlp + storage), which the job and the lake's Ray path share.
PIPELINE = {"hypewatch.scoring", "hypewatch.progress"}
#: What each layer may import, besides itself.
ALLOWED = {
    "core": {"core"},
    "crawler": {"core"},
    "nlp": {"core"},
    "storage": {"core"},
    "alerts": {"core", "storage"},
    "report": {"core", "storage"},
    "pipeline": {"core", "nlp", "storage"},
    "lake": {"core", "nlp", "storage", "pipeline"},
    "app": {"core", "crawler", "nlp", "storage", "alerts", "report", "pipeline", "lake"},
}


def layer(module: str) -> str:
    if module in CORE:
        return "core"
    if module in PIPELINE:
        return "pipeline"
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ALLOWED and parts[1] not in ("core", "pipeline", "app"):
        return parts[1]
    return "app"  # hypewatch.config, .job, .cli, .logs, .runlock, ...


def modules() -> dict[str, Path]:
    found = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join((package, *parts))
            found[name.removesuffix(".__init__")] = path
    return found


def imports(module: str, path: Path) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names |= {f"{base}.{alias.name}" for alias in node.names} | {base}
    return {n for n in names if n == "hypewatch" or n.startswith("hypewatch.")}


def target_module(name: str, known: dict[str, Path]) -> str | None:
    """The package module an imported name is, or lives in (`hypewatch.records.Document` -> records)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def test_every_folder_is_seen():
    assert {
        "hypewatch.cli",
        "hypewatch.crawler.crawl",
        "hypewatch.nlp.scorer",
        "hypewatch.storage.store",
        "hypewatch.alerts.detect",
        "hypewatch.report.build",
        "hypewatch.lake.ray_score",
    } <= set(modules())


def test_no_module_imports_a_layer_above_its_own():
    known = modules()
    wrong = []
    for module, path in known.items():
        own = layer(module)
        for name in imports(module, path):
            target = target_module(name, known)
            if target is None or target == "hypewatch":
                continue
            theirs = layer(target)
            if theirs != own and theirs not in ALLOWED[own]:
                wrong.append(f"{module} ({own}) imports {target} ({theirs})")
    assert wrong == []


def test_the_package_root_imports_nothing():
    # every `import hypewatch.x` runs hypewatch/__init__.py first: it must not pull the app in
    assert imports("hypewatch", ROOT / "hypewatch" / "__init__.py") == set()


def test_no_module_uses_the_old_top_level_names():
    old = {"crawler", "nlp", "storage", "alerts", "report", "lake"}
    stray = []
    for path in [*ROOT.glob("*/**/*.py")]:
        if path.parts[len(ROOT.parts)] in (".venv", "build"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] in old:
                stray.append(f"{path.relative_to(ROOT)}: from {node.module}")
            elif isinstance(node, ast.Import):
                stray += [
                    f"{path.relative_to(ROOT)}: import {a.name}" for a in node.names if a.name.split(".")[0] in old
                ]
    assert stray == []
