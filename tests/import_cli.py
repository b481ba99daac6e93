"""Shared by the import tests: the import commands mounted on a Typer app, run through CliRunner."""
from __future__ import annotations

import json

import typer
from typer.testing import CliRunner


def import_app() -> typer.Typer:
    from app.cli_import import import_file, import_status, party_status_command

    app = typer.Typer()
    app.command("import")(import_file)
    app.command("import-status")(import_status)
    app.command("party-status")(party_status_command)
    return app


def run_cli(*args, code: int = 0):
    """Invoke the CLI; returns (summary = last JSON line, the JSON lines before it, result)."""
    res = CliRunner().invoke(import_app(), [str(a) for a in args])
    assert res.exit_code == code, f"exit {res.exit_code}\nstdout: {res.stdout[-2000:]}\nstderr: {res.stderr[-2000:]}"
    if code != 0:
        return None, [], res
    lines = [json.loads(ln) for ln in res.stdout.splitlines() if ln.strip()]
    assert lines, "the last stdout line must be the JSON summary"
    return lines[-1], lines[:-1], res
