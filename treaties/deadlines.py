"""Deadlines of the Law on Treaties 108/2016/QH13 (amended by Law 137/2025/QH15), registered on import.

The rules are data: ``deadline_rules.yaml`` next to this file. ``import treaties.deadlines`` (the app and the CLI
do) registers them into :mod:`core.deadlines`, which computes the due dates.
"""
from __future__ import annotations

from pathlib import Path

from core.deadlines import DeadlineRule, load_rules_file, register_deadline_rules

RULES_FILE = Path(__file__).resolve().with_name("deadline_rules.yaml")
RULES: list[DeadlineRule] = register_deadline_rules(load_rules_file(RULES_FILE, family="treaty"))
