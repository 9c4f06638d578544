"""The dependency direction the README states, held by walking the imports.

    return_portal → policy_pages → marketplace,  helpcenter → policy_pages,
    every app → core, accounts;  config (settings, urls, the API) stands on top.

Every import counts, function-local ones included: an import moved into a
function to dodge a cycle is still an arrow. Migrations are left out: they name
other apps' historical models by string, and Django orders them itself.
"""

from __future__ import annotations

import grimp
import pytest

APPS = (
    "accounts",
    "core",
    "marketplace",
    "webhooks",
    "store_credit",
    "screening",
    "policy_pages",
    "helpcenter",
    "return_portal",
    "insights",
)

# What each app may import, besides itself (config is above all of them).
ALLOWED = {
    "accounts": {"core"},
    "core": {"accounts"},
    "marketplace": {"core", "accounts"},
    # Outbound events: what every app above may emit.
    "webhooks": {"marketplace", "core", "accounts"},
    # The buyers' store-credit ledger (it emits credit.* events).
    "store_credit": {"webhooks", "marketplace", "core", "accounts"},
    # Abuse screening: the blocklist and the thresholds (return_portal measures).
    "screening": {"marketplace", "core", "accounts"},
    "policy_pages": {"webhooks", "marketplace", "core", "accounts"},
    "helpcenter": {"policy_pages", "webhooks", "marketplace", "core", "accounts"},
    "return_portal": {
        "policy_pages",
        "store_credit",
        "screening",
        "webhooks",
        "marketplace",
        "core",
        "accounts",
    },
    # The KPI roll-ups read every app below; nothing reads them but the admin.
    "insights": {
        "return_portal",
        "helpcenter",
        "policy_pages",
        "store_credit",
        "screening",
        "webhooks",
        "marketplace",
        "core",
        "accounts",
    },
}


@pytest.fixture(scope="module")
def graph():
    graph = grimp.build_graph(*APPS, "config", cache_dir=None)
    for module in list(graph.modules):
        if ".migrations" in module and graph.find_children(module) == set():
            graph.remove_module(module)
    return graph


def _app(module: str) -> str:
    return module.split(".")[0]


def _arrows(graph, source_app: str):
    for importer in sorted(graph.find_children(source_app) | graph.find_descendants(source_app)):
        for imported in graph.find_modules_directly_imported_by(importer):
            target = _app(imported)
            if target in APPS or target == "config":
                yield importer, imported, target


@pytest.mark.parametrize("app", APPS)
def test_each_app_imports_only_the_floors_below_it(graph, app):
    against = [
        f"{importer} → {imported} (line {detail['line_number']})"
        for importer, imported, target in _arrows(graph, app)
        if target != app and target not in ALLOWED[app]
        for detail in graph.get_import_details(importer=importer, imported=imported)
    ]
    assert not against, "imports against the README's direction:\n" + "\n".join(against)


def test_accounts_and_core_do_not_lean_on_each_other_in_a_circle(graph):
    # Both are kit; one of them must stand alone.
    assert not (
        graph.chain_exists("core", "accounts", as_packages=True)
        and graph.chain_exists("accounts", "core", as_packages=True)
    )


@pytest.mark.parametrize("app", APPS)
def test_no_import_cycle_inside_an_app(graph, app):
    modules = {m for m in graph.find_descendants(app) if ".migrations" not in m} | {app}
    cycles = []
    for module in sorted(modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported in modules and imported != module:
                # A cycle: a path back from what `module` imports to `module`.
                chain = graph.find_shortest_chain(importer=imported, imported=module)
                if chain and all(step in modules for step in chain):
                    cycles.append(" → ".join((module, *chain)))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(set(cycles)))
