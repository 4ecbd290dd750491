"""The boundaries of the code, checked on its source: imports run one way, and only the unit of work commits."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules(folder: str):
    for path in sorted((ROOT / folder).rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _imports(path: Path, tree: ast.Module) -> set[str]:
    """The absolute names of every module the file imports (relative imports resolved)."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            if not node.module:  # `from . import catalogue`
                names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def _calls(tree: ast.Module, method: str) -> list[int]:
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == method]


def test_models_import_nothing_of_the_service_or_the_scheduler():
    for path, tree in _modules("models"):
        assert not {n for n in _imports(path, tree) if n.split(".")[0] in ("service", "schedules")}, path


def test_the_service_imports_nothing_of_the_scheduler():
    for path, tree in _modules("service"):
        assert not {n for n in _imports(path, tree) if n.split(".")[0] == "schedules"}, path


def test_the_domain_knows_nothing_of_the_web():
    for path, tree in _modules("service/domain"):
        imported = _imports(path, tree)
        web = {n for n in imported if n.split(".")[0] in ("flask", "flask_smorest", "flask_login", "flask_wtf",
                                                           "flask_limiter", "marshmallow", "twilio")}
        outside = {n for n in imported if n.startswith("service.") and not n.startswith("service.domain")}
        assert not web and not outside, (path, web | outside)
        assert not _calls(tree, "commit") and not _calls(tree, "rollback"), path


def test_only_the_unit_of_work_commits():
    committing = {path.relative_to(ROOT).as_posix() for folder in ("service", "schedules", "models")
                  for path, tree in _modules(folder) if _calls(tree, "commit")}
    assert committing == {"service/unit_of_work.py"}


def _room(module: str) -> str | None:
    """The room of a module of the service: a file directly under service/, or a package under it (its files
    together); the factory (service/__init__.py), which imports every room to assemble the app, is none."""
    parts = module.split(".")
    if parts[0] != "service" or len(parts) < 2:
        return None
    return parts[1]


def test_no_arrow_runs_back_up_between_the_rooms_of_the_service():
    rooms: dict[str, set[str]] = {}
    for path, tree in _modules("service"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        room = _room(module.removesuffix(".__init__"))
        if room is None:
            continue
        rooms.setdefault(room, set()).update(
            other for other in map(_room, _imports(path, tree)) if other is not None and other != room)

    def reaches(start: str, goal: str, seen: set) -> bool:
        return any(nxt == goal or (nxt not in seen and not seen.add(nxt) and reaches(nxt, goal, seen))
                   for nxt in rooms.get(start, ()))

    circles = sorted({tuple(sorted((a, b))) for a, targets in rooms.items() for b in targets if reaches(b, a, set())})
    assert circles == []


def _areas() -> set[str]:
    """The service's areas: each package that holds a blueprint (routes or pages) of its own."""
    return {path.parent.name for path in (ROOT / "service").glob("*/*.py")
            if path.stem in ("routes", "pages", "webhooks", "verify")} - {"domain"}


def test_an_area_imports_the_domain_and_the_shared_web_helpers_never_another_area():
    """Each area holds its routes, pages, schemas and the queries its pages and API share; what two areas need is a
    shared helper (a module directly under service/) or the domain's."""
    areas = _areas()
    assert {"cases", "households", "deliveries", "imports", "water", "survey"} <= areas
    crossing = {}
    for area in sorted(areas):
        for path, tree in _modules(f"service/{area}"):
            others = {room for room in map(_room, _imports(path, tree)) if room in areas and room != area}
            if others:
                crossing[path.relative_to(ROOT).as_posix()] = sorted(others)
    assert crossing == {}


def test_pages_do_not_import_their_own_api_routes():
    """An area's pages and its API share its queries module, not one another."""
    for path, tree in _modules("service"):
        if path.stem in ("pages", "admin"):
            own_routes = ".".join(path.relative_to(ROOT).parts[:-1] + ("routes",))
            assert own_routes not in _imports(path, tree), path


def test_the_service_imports_nothing_of_the_demo():
    """Demo data lives out of the product's rooms (demo/); `flask seed-demo` reaches it through an entry point."""
    for path, tree in _modules("service"):
        assert not {n for n in _imports(path, tree) if n.split(".")[0] == "demo"}, path


def test_the_domain_s_index_names_every_module_of_it():
    """service/domain/__init__.py says which area each rule's module belongs to: a new module is placed there."""
    import re

    index = (ROOT / "service/domain/__init__.py").read_text(encoding="utf-8")
    named = set(re.findall(r"`(\w+)`", index))
    modules = {path.stem for path in (ROOT / "service/domain").glob("*.py")} - {"__init__"}
    assert modules - named == set()
