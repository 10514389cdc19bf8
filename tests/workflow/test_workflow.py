"""Collect → review → publish → revoke through the gateway, per role, against real databases:
the author's province holds the record, four eyes hold, the history is complete, and each
reader sees exactly what the read rules allow."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from domain.publication import window_end
from tests.conftest import TEST_TODAY
from tests.workflow import documents as d
from tests.workflow.conftest import JS, ZJ, Workflow

DECIDED = TEST_TODAY - timedelta(days=3)


def key() -> str:
    return str(uuid.uuid4())


def draft(uscc: str, **overrides: Any) -> dict[str, Any]:
    return {
        "subjectUscc": uscc, "polarity": "BAD", "behaviourCode": "D1-3-01", "description": "工程质量不合格",
        "decisionDate": DECIDED.isoformat(), "authority": "南京市住房和城乡建设局", "authorityLevel": "市",
        "decisionNumber": "宁建罚〔2026〕12号", "penalty": "罚款", "fine": "20000", **overrides,
    }


def data(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    return body["data"][field]


def error(body: dict[str, Any]) -> tuple[str, str]:
    assert body.get("errors"), body
    first = body["errors"][0]
    return first["extensions"]["code"], first["message"]


async def create(wf: Workflow, uscc: str, author: dict[str, str], **overrides: Any) -> dict[str, Any]:
    return data(await wf.ask(d.CREATE, author, input=draft(uscc, **overrides), key=key()), "createCreditRecord")


async def published(wf: Workflow, uscc: str) -> dict[str, Any]:
    """A bad record for ``uscc`` taken through the whole workflow by two different people."""
    alice, bob = wf.caller("regulator", sub="alice"), wf.caller("reviewer", sub="bob")
    record = await create(wf, uscc, alice)
    n = record["recordNumber"]
    record = data(await wf.ask(d.SUBMIT, alice, n=n, v=record["version"], key=key()), "submitCreditRecord")
    record = data(await wf.ask(d.REVIEW, bob, n=n, v=record["version"], d="APPROVE", key=key()), "reviewCreditRecord")
    return data(await wf.ask(d.PUBLISH, bob, n=n, v=record["version"], key=key()), "publishCreditRecord")


def numbers(body: dict[str, Any]) -> list[str]:
    return [e["node"]["recordNumber"] for e in data(body, "creditRecords")["edges"]]


async def test_the_whole_workflow_and_who_sees_what_at_each_step(wf: Workflow) -> None:
    uscc = await wf.new_enterprise()
    alice, bob = wf.caller("regulator", sub="alice"), wf.caller("reviewer", sub="bob")
    other_province = wf.caller("regulator", ZJ, sub="zoe")

    record = await create(wf, uscc, alice)
    n = record["recordNumber"]
    assert record["status"] == "draft" and record["version"] == 1 and record["province"]["code"] == JS
    assert n.startswith(f"{JS}-2026-W")
    # The rules' window: from the decision, for the 6-month minimum (inclusive end).
    assert record["publishFrom"] == DECIDED.isoformat()
    assert record["publishTo"] == window_end(DECIDED, 6).isoformat() == "2026-12-26"
    assert record["subjectName"].startswith("工作流测试建设有限公司")

    # A draft stays in its province: the author's colleagues see it, nobody else.
    assert n in numbers(await wf.ask(d.RECORDS, alice, u=uscc))
    assert n not in numbers(await wf.ask(d.RECORDS, None, u=uscc))
    assert n not in numbers(await wf.ask(d.RECORDS, other_province, u=uscc))

    submitted = data(await wf.ask(d.SUBMIT, alice, n=n, v=1, key=key()), "submitCreditRecord")
    assert (submitted["status"], submitted["version"]) == ("submitted", 2)
    # Four eyes: the author, even holding the reviewer role, may not review.
    code, message = error(await wf.ask(d.REVIEW, wf.caller("reviewer", sub="alice"), n=n, v=2, d="APPROVE", key=key()))
    assert code == "FORBIDDEN" and "four eyes" in message
    reviewed = data(await wf.ask(d.REVIEW, bob, n=n, v=2, d="APPROVE", key=key()), "reviewCreditRecord")
    assert reviewed["status"] == "reviewed"
    assert n not in numbers(await wf.ask(d.RECORDS, None, u=uscc))  # reviewed is not yet published

    done = data(await wf.ask(d.PUBLISH, bob, n=n, v=3, key=key()), "publishCreditRecord")
    assert (done["status"], done["version"]) == ("published", 4)
    assert n in numbers(await wf.ask(d.RECORDS, None, u=uscc))
    assert n in numbers(await wf.ask(d.RECORDS, other_province, u=uscc))

    revoked = data(await wf.ask(d.REVOKE, bob, n=n, v=4, reason="复议撤销", key=key()), "revokeCreditRecord")
    assert revoked["status"] == "revoked"
    assert n not in numbers(await wf.ask(d.RECORDS, None, u=uscc))
    assert n in numbers(await wf.ask(d.RECORDS, other_province, u=uscc))  # officials keep seeing it

    # The history, as officials read it, and as the province's database holds it.
    nodes = data(await wf.ask(d.RECORDS_WITH_HISTORY, other_province, u=uscc), "creditRecords")["edges"]
    node = next(e["node"] for e in nodes if e["node"]["recordNumber"] == n)
    assert node["version"] == 5
    steps = [(h["action"], h["fromStatus"], h["toStatus"], h["version"], h["actor"]) for h in node["history"]]
    assert steps == [
        ("create", None, "draft", 1, "alice"), ("submit", "draft", "submitted", 2, "alice"),
        ("approve", "submitted", "reviewed", 3, "bob"), ("publish", "reviewed", "published", 4, "bob"),
        ("revoke", "published", "revoked", 5, "bob"),
    ]
    last = node["history"][-1]
    assert last["reason"] == "复议撤销" and last["organisation"] == f"{JS}住建厅" and last["clientAddress"]
    assert last["before"]["status"] == "published" and last["after"]["status"] == "revoked"
    assert node["history"][0]["before"] is None
    rows = await wf.fetch(JS, "SELECT count(*) AS n FROM exchange.record_history WHERE entity_key = $1", n)
    assert rows[0]["n"] == 5
    # Nothing of it was written anywhere else.
    assert await wf.fetch(ZJ, "SELECT 1 FROM exchange.credit_record WHERE record_number = $1", n) == []


async def test_history_and_version_are_for_officials_and_the_internal_note_for_the_province(wf: Workflow) -> None:
    uscc = await wf.new_enterprise()
    await create(wf, uscc, wf.caller("regulator", sub="alice"), internalNote="内部：待复核")
    await published(wf, uscc)
    body = await wf.ask(d.RECORDS_WITH_HISTORY, None, u=uscc)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}

    def first_after(body: dict[str, Any]) -> list[dict[str, Any]]:
        return [e["node"]["history"][0]["after"] for e in data(body, "creditRecords")["edges"]]

    home = first_after(await wf.ask(d.RECORDS_WITH_HISTORY, wf.caller("reviewer"), u=uscc))
    assert "内部：待复核" in {a.get("internal_note") for a in home}
    elsewhere = first_after(await wf.ask(d.RECORDS_WITH_HISTORY, wf.caller("regulator", ZJ), u=uscc))
    assert elsewhere and all("internal_note" not in a for a in elsewhere)


async def test_a_rejection_needs_a_reason_and_sends_the_record_back_to_its_author(wf: Workflow) -> None:
    uscc = await wf.new_enterprise()
    alice, bob = wf.caller("regulator", sub="alice"), wf.caller("reviewer", sub="bob")
    n = (await create(wf, uscc, alice))["recordNumber"]
    await wf.ask(d.SUBMIT, alice, n=n, v=1, key=key())
    code, message = error(await wf.ask(d.REVIEW, bob, n=n, v=2, d="REJECT", key=key()))
    assert code == "BAD_USER_INPUT" and "reason" in message
    back = data(await wf.ask(d.REVIEW, bob, n=n, v=2, d="REJECT", reason="证据不足", key=key()), "reviewCreditRecord")
    assert (back["status"], back["version"]) == ("draft", 3)
    # The author fixes it: an edit of the decision date moves the rules' window with it.
    later = DECIDED + timedelta(days=1)
    edited = data(await wf.ask(d.EDIT, alice, n=n, v=3, edit={"decisionDate": later.isoformat()}, key=key()),
                  "editCreditRecord")
    assert (edited["status"], edited["decisionDate"], edited["publishTo"]) == (
        "draft", later.isoformat(), window_end(later, 6).isoformat())
    # An editor is an author too: carol edits, then may not review it.
    carol = wf.caller("regulator", sub="carol")
    data(await wf.ask(d.EDIT, carol, n=n, v=4, edit={"description": "补充说明"}, key=key()), "editCreditRecord")
    await wf.ask(d.SUBMIT, alice, n=n, v=5, key=key())
    code, _ = error(await wf.ask(d.REVIEW, wf.caller("reviewer", sub="carol"), n=n, v=6, d="APPROVE", key=key()))
    assert code == "FORBIDDEN"
    history = await wf.fetch(JS, "SELECT action, reason FROM exchange.record_history WHERE entity_key = $1"
                                 " ORDER BY id", n)
    assert [(h["action"], h["reason"]) for h in history] == [
        ("create", None), ("submit", None), ("reject", "证据不足"), ("edit", None), ("edit", None), ("submit", None),
    ]


async def test_steps_out_of_order_and_roles_are_refused(wf: Workflow) -> None:
    uscc = await wf.new_enterprise()
    alice, bob = wf.caller("regulator", sub="alice"), wf.caller("reviewer", sub="bob")
    n = (await create(wf, uscc, alice))["recordNumber"]
    code, message = error(await wf.ask(d.PUBLISH, bob, n=n, v=1, key=key()))
    assert code == "INVALID_TRANSITION" and "is draft" in message
    assert error(await wf.ask(d.SUBMIT, bob, n=n, v=1, key=key()))[0] == "FORBIDDEN"  # reviewers do not author
    assert error(await wf.ask(d.CREATE, None, input=draft(uscc), key=key()))[0] == "FORBIDDEN"  # the public
    assert error(await wf.ask(d.CREATE, wf.caller("reviewer"), input=draft(uscc), key=key()))[0] == "FORBIDDEN"
    # An official of another province cannot touch it: their writes go to their own database.
    code, message = error(await wf.ask(d.SUBMIT, wf.caller("regulator", ZJ), n=n, v=1, key=key()))
    assert code == "NOT_FOUND" and ZJ in message
    rows = await wf.fetch(JS, "SELECT status, row_version FROM exchange.credit_record WHERE record_number = $1", n)
    assert [tuple(r) for r in rows] == [("draft", 1)]


async def test_an_official_of_another_province_writes_into_their_own(wf: Workflow) -> None:
    uscc = await wf.new_enterprise()  # registered in Jiangsu; the behaviour happened in Zhejiang
    record = await create(wf, uscc, wf.caller("regulator", ZJ, sub="zoe"), authority="杭州市建委")
    assert record["province"]["code"] == ZJ and record["recordNumber"].startswith(f"{ZJ}-")
    assert len(await wf.fetch(ZJ, "SELECT 1 FROM exchange.credit_record WHERE record_number = $1",
                              record["recordNumber"])) == 1
    assert await wf.fetch(JS, "SELECT 1 FROM exchange.credit_record WHERE subject_uscc = $1", uscc) == []


async def test_a_change_by_the_provinces_own_system_is_in_the_history_and_moves_the_version(wf: Workflow) -> None:
    uscc = await wf.new_enterprise()
    alice = wf.caller("regulator", sub="alice")
    n = (await create(wf, uscc, alice))["recordNumber"]
    conn_rows = await wf.fetch(JS, "UPDATE exchange.credit_record SET description = '省内系统修改'"
                                   " WHERE record_number = $1 RETURNING row_version", n)
    assert conn_rows[0]["row_version"] == 2
    code, message = error(await wf.ask(d.EDIT, alice, n=n, v=1, edit={"penalty": "警告"}, key=key()))
    assert code == "VERSION_CONFLICT" and "version 2" in message
    history = await wf.fetch(JS, "SELECT action, actor, after ->> 'description' AS text FROM exchange.record_history"
                                 " WHERE entity_key = $1 ORDER BY id", n)
    assert [(h["action"], h["text"]) for h in history] == [("create", "工程质量不合格"), ("update", "省内系统修改")]
    assert history[1]["actor"] != "alice"  # the database role of the province's system
    # History is evidence: it cannot be rewritten.
    try:
        await wf.fetch(JS, "UPDATE exchange.record_history SET actor = 'x' WHERE entity_key = $1", n)
        raise AssertionError("history was rewritten")
    except Exception as exc:  # asyncpg's InsufficientPrivilegeError
        assert "append-only" in str(exc)


async def test_blacklist_listing_and_release(wf: Workflow) -> None:
    uscc = await wf.new_enterprise()
    alice = wf.caller("regulator", sub="alice")
    listing = {"subjectUscc": uscc, "basis": "出借资质（苏建罚〔2026〕3号）", "authority": "江苏省住房和城乡建设厅",
               "listedOn": (TEST_TODAY - timedelta(days=10)).isoformat()}
    entry = data(await wf.ask(d.LIST, alice, input=listing, key=key()), "listBlacklistEntry")
    assert entry["plannedRelease"] == date(2027, 6, 20).isoformat()  # one year from listing
    assert entry["entryNumber"].startswith("HMD-苏-2026-W") and entry["version"] == 1
    public = data(await wf.ask(d.BLACKLIST, None, u=uscc), "enterprise")["blacklist"]
    assert [(b["entryNumber"], b["active"]) for b in public] == [(entry["entryNumber"], True)]

    code, _ = error(await wf.ask(d.RELEASE, alice, n=entry["entryNumber"], v=1, reason=" ", key=key()))
    assert code == "BAD_USER_INPUT"
    tomorrow = (TEST_TODAY + timedelta(days=1)).isoformat()
    code, message = error(await wf.ask(d.RELEASE, alice, n=entry["entryNumber"], v=1, reason="整改完成",
                                       on=tomorrow, key=key()))
    assert code == "BAD_USER_INPUT" and "today" in message
    released = data(await wf.ask(d.RELEASE, alice, n=entry["entryNumber"], v=1, reason="整改完成", key=key()),
                    "releaseBlacklistEntry")
    assert released["releasedOn"] == TEST_TODAY.isoformat() and released["version"] == 2
    assert data(await wf.ask(d.BLACKLIST, None, u=uscc), "enterprise")["blacklist"] == []
    again = await wf.ask(d.RELEASE, alice, n=entry["entryNumber"], v=2, reason="再次", key=key())
    assert error(again)[0] == "INVALID_TRANSITION"
    history = data(await wf.ask(d.BLACKLIST_WITH_HISTORY, alice, u=uscc), "enterprise")["blacklist"][0]["history"]
    assert [(h["action"], h["actor"], h["toStatus"], h["reason"]) for h in history] == [
        ("list", "alice", "listed", None), ("release", "alice", "released", "整改完成")]
