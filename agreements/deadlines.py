"""Deadlines of the Law on International Agreements 70/2020/QH14 and Decree 64/2021/NĐ-CP (amended by Decree
177/2025/NĐ-CP), registered on import.

The rules are data: ``deadline_rules.yaml`` next to this file. ``import agreements.deadlines`` (the app and the
CLI do) registers them into :mod:`core.deadlines`, which computes the due dates.
"""
from __future__ import annotations

from pathlib import Path

from core.deadlines import DeadlineRule, load_rules_file, register_deadline_rules

RULES_FILE = Path(__file__).resolve().with_name("deadline_rules.yaml")
RULES: list[DeadlineRule] = register_deadline_rules(load_rules_file(RULES_FILE, family="agreement"))
