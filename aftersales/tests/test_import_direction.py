"""The import direction between the apps, checked on the source (DESIGN.md, README "Layout").

- the core (`aftersales`) imports no domain app;
- `customers` imports the core only (no visits, complaints, appointments, kpi);
- the peers (visits, complaints, appointments) import the core and customers, and one another's
  `selectors` and `services` only (plus `complaints.calendar`, the shared working-day calendar);
- `kpi` imports the core and every other app's `selectors` only.

Every `import` counts, at module level or inside a function. Tests (`*/tests/*`) and migrations
are not checked: tests build rows of several apps to test one (a customer page with a complaint
on it), and migrations are history that names other apps' migrations by design; neither runs in
the product. Everything else that breaks the rule today is listed in KNOWN_EXCEPTIONS with its
reason: the check fails on any import not covered there, and on an exception that no longer
occurs (so the list only shrinks). import-linter cannot say "only the selectors and services of a
peer" without a contract per pair of apps, and is not installable offline here; this is ~100 lines.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = "aftersales"
PEERS = ("visits", "complaints", "appointments")
APPS = (CORE, "customers", *PEERS, "kpi")
# What a peer may import of another peer (besides nothing at all).
PEER_SURFACE = ("selectors", "services")
SHARED_PEER_MODULES = ("complaints.calendar",)

# (importing module or package, imported module or package, why it is allowed for now).
KNOWN_EXCEPTIONS = [
    ("customers.generation", "visits",
     "the dealer-group data generator bulk-loads every app's tables with COPY (bench data, not runtime)"),
    ("customers.generation", "complaints",
     "the dealer-group data generator bulk-loads every app's tables with COPY (bench data, not runtime)"),
    ("customers.generation", "appointments",
     "the dealer-group data generator bulk-loads every app's tables with COPY (bench data, not runtime)"),
    ("complaints.generation", "visits",
     "the dealer-group data generator's care calls are written as visits' rows with COPY"),
    ("kpi.seeding", "complaints.seeding",
     "the demo's KPI history seeds the complaints' and calls' demo history first"),
    ("kpi.seeding", "visits.seeding",
     "the demo's KPI history seeds the complaints' and calls' demo history first"),
]


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def allowed(importer_app: str, target: str) -> bool:
    """Whether a module of `importer_app` may import `target` (a dotted module or name)."""
    target_app = target.split(".")[0]
    if target_app not in APPS or target_app in (importer_app, CORE):
        return True  # the standard library, third parties, the app itself, the core
    if importer_app in (CORE, "customers"):
        return False
    if importer_app in PEERS:
        if target_app == "customers":
            return True
        if target_app in PEERS:
            return any(_within(target, f"{target_app}.{part}") for part in PEER_SURFACE) or any(
                _within(target, shared) for shared in SHARED_PEER_MODULES
            )
        return False  # kpi reads the peers, not the other way round
    if importer_app == "kpi":
        return _within(target, f"{target_app}.selectors")
    return True


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(tree: ast.AST):
    """(line, dotted target) of every absolute import in the module, nested ones included;
    `from a import b` yields a.b, since b may be a module (`from visits import selectors`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.lineno, node.module if alias.name == "*" else f"{node.module}.{alias.name}"


def checked_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT / app).parts
            if "tests" in relative or "migrations" in relative:
                continue
            yield app, path


def violations():
    """(importer module, line, target, exception or None) of every import against the rule."""
    found = []
    for app, path in checked_files():
        importer = module_name(path)
        for line, target in imported(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if allowed(app, target):
                continue
            exception = next(
                (e for e in KNOWN_EXCEPTIONS if _within(importer, e[0]) and _within(target, e[1])), None
            )
            found.append((importer, line, target, exception))
    return found


def test_no_app_imports_against_the_direction():
    new = [f"{importer}:{line} imports {target}" for importer, line, target, exception in violations()
           if exception is None]
    assert not new, "Imports against the app direction (README, Layout):\n" + "\n".join(new)


def test_every_known_exception_still_occurs():
    used = {exception[:2] for *_, exception in violations() if exception is not None}
    stale = [f"{importer} -> {target}" for importer, target, _ in KNOWN_EXCEPTIONS if (importer, target) not in used]
    assert not stale, "No longer imported; drop from KNOWN_EXCEPTIONS:\n" + "\n".join(stale)


@pytest.mark.parametrize("importer_app, target, expected", [
    ("aftersales", "customers.models", False),
    ("aftersales", "aftersales.phones", True),
    ("aftersales", "django.db", True),
    ("customers", "visits.selectors", False),
    ("customers", "complaints.models.Complaint", False),
    ("customers", "aftersales.scoping", True),
    ("complaints", "visits.models.FollowUp", False),
    ("complaints", "visits.selectors", True),
    ("complaints", "visits.services.dissatisfactions", True),
    ("visits", "complaints.services.complaint_from_dissatisfaction", True),
    ("visits", "complaints.views", False),
    ("appointments", "complaints.calendar.WorkingCalendar", True),
    ("appointments", "customers.models", True),
    ("visits", "kpi.selectors", False),
    ("kpi", "visits.selectors", True),
    ("kpi", "customers.models", False),
    ("kpi", "visits.services", False),
])
def test_the_rule_itself(importer_app, target, expected):
    assert allowed(importer_app, target) is expected


def test_an_import_inside_a_function_is_found():
    tree = ast.parse("def f():\n    from customers.models import Customer\n")
    assert list(imported(tree)) == [(2, "customers.models.Customer")]
