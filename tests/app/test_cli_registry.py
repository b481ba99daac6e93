"""The registry at the command line: add, event, relate, show as of a date, confirm, history (both databases)."""
from __future__ import annotations

import json

from typer.testing import CliRunner


def _json(res):
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_record_commands(env, tmp_path):
    from app.cli import cli

    r = CliRunner()
    body = {"family": "treaty", "title": "Hiệp định về hợp tác du lịch giữa Chính phủ Việt Nam và Chính phủ Mông Cổ",
            "instrument_type": "hiệp định", "danh_nghia": "Chính phủ",
            "parties": [{"name": "Việt Nam"}, {"name": "Mông Cổ"}], "signed_date": "2023-11-29"}
    f = tmp_path / "r.json"
    f.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    rec = _json(r.invoke(cli, ["record", "add", str(f)]))
    iid = rec["id"]
    assert rec["status"] == "signed" and [p["code"] for p in rec["parties"]] == ["VNM", "MNG"]
    ev = _json(r.invoke(cli, ["record", "event", str(iid), "entered_into_force", "2024-02-16",
                              "--ref", "Thông báo 11/2024/TB-LPQT"]))
    assert ev["type"] == "entered_into_force"
    bad = r.invoke(cli, ["record", "event", str(iid), "entered_into_force", "2020-01-01"])
    assert bad.exit_code == 1 and "before the signature" in bad.stderr
    assert _json(r.invoke(cli, ["record", "show", str(iid), "--as-of", "2024-01-01"]))["status"] == "signed"
    assert _json(r.invoke(cli, ["record", "show", str(iid)]))["status"] == "in_force"
    body["title"] = "Nghị định thư sửa đổi Hiệp định về hợp tác du lịch"
    body["instrument_type"], body["signed_date"] = "nghị định thư", "2025-01-10"
    f.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    pid = _json(r.invoke(cli, ["record", "add", str(f)]))["id"]
    assert _json(r.invoke(cli, ["record", "relate", str(pid), "amends", str(iid)]))["type"] == "amends"
    rels = _json(r.invoke(cli, ["record", "show", str(iid)]))["relations"]
    assert rels[0]["type"] == "amended_by" and rels[0]["instrument_id"] == pid
    hist = _json(r.invoke(cli, ["record", "history", str(iid)]))
    assert [h["action"] for h in hist] == ["create", "event"]
    missing = r.invoke(cli, ["record", "show", "9999"])
    assert missing.exit_code == 1 and "does not exist" in missing.stderr
