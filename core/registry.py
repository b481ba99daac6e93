"""Family rules: the treaty and agreement packages register their checks here, so the shared service can
apply the rule of each law without core importing those packages."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

# a rule takes the merged record (dict of instrument fields) and raises RuleViolation
Rule = Callable[[dict[str, Any]], None]
_RULES: dict[str, list[Rule]] = {}


def register_rule(family: str, rule: Rule) -> Rule:
    rules = _RULES.setdefault(family, [])
    if rule not in rules:
        rules.append(rule)
    return rule


def rules_for(family: str) -> list[Rule]:
    return list(_RULES.get(family, []))


def check_family_rules(family: str, record: dict[str, Any]) -> None:
    """Apply every rule of the family's law. Fails closed: a family whose package did not register its
    rules (``import treaties.rules, agreements.rules`` — the app and CLI do) cannot be written."""
    if family not in _RULES:
        raise RuntimeError(f"the rules of family {family!r} are not loaded; import treaties.rules and agreements.rules")
    for rule in rules_for(family):
        rule(record)
