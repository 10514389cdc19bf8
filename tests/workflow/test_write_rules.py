"""What a write must pass, and what happens when it is retried, raced or cut off: bad input is
refused with a message naming the check and leaves nothing behind; a retried key writes once; a
stale version conflicts; a connection killed mid-transaction leaves nothing half-written."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from domain.identifiers import uscc_check_char
from domain.publication import window_end
from tests.conftest import TEST_TODAY, running_client
from tests.index.subjects import new_uscc
from tests.tokens import ask
from tests.workflow import documents as d
from tests.workflow.conftest import JS, Workflow
from tests.workflow.test_workflow import DECIDED, create, data, draft, error, key, published


async def rows_about(wf: Workflow, uscc: str) -> tuple[int, int, int]:
    """Credit records, their history rows and receipts in Jiangsu that concern ``uscc``."""
    records = await wf.fetch(JS, "SELECT record_number FROM exchange.credit_record WHERE subject_uscc = $1", uscc)
    numbers = [r["record_number"] for r in records]
    history = await wf.fetch(JS, "SELECT count(*) AS n FROM exchange.record_history WHERE entity_key = ANY($1)",
                             numbers)
    receipts = await wf.fetch(JS, "SELECT count(*) AS n FROM exchange.mutation_receipt"
                                  " WHERE result ->> 'subject_uscc' = $1", uscc)
    return len(numbers), history[0]["n"], receipts[0]["n"]


def failing_check(uscc: str) -> str:
    """The same code with a wrong final check character: a legacy code."""
    wrong = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != uscc_check_char(uscc[:17]))
    return uscc[:17] + wrong


BAD_INPUTS = [
    ("legacy uscc", lambda u: {"subjectUscc": failing_check(u)}, "refused for writes"),
    ("unknown subject", lambda u: {"subjectUscc": new_uscc("320500")}, "no configured province knows"),
    ("two subjects", lambda u: {"subjectPerson": {"idType": "护照", "idNumber": "E1234567"}}, "exactly one subject"),
    ("unknown code", lambda u: {"behaviourCode": "D1-9-99"}, "neither the national set"),
    ("good code, bad record", lambda u: {"behaviourCode": "D1-G-01"}, "good-behaviour code"),
    ("decided tomorrow", lambda u: {"decisionDate": (TEST_TODAY + timedelta(days=1)).isoformat()}, "after today"),
    ("penalty before decision", lambda u: {"penaltyUntil": (DECIDED - timedelta(days=1)).isoformat()},
     "before decisionDate"),
    ("window too short", lambda u: {"publishTo": window_end(DECIDED, 2).isoformat()}, "at least 6 months"),
    ("window too long", lambda u: {"publishTo": window_end(DECIDED, 37).isoformat()}, "at most 3 years"),
    ("shorter than the penalty", lambda u: {"penaltyUntil": window_end(DECIDED, 12).isoformat(),
                                            "publishTo": window_end(DECIDED, 8).isoformat()}, "less than its penalty"),
    ("before the decision", lambda u: {"publishFrom": (DECIDED - timedelta(days=1)).isoformat()},
     "before the decision"),
    ("good record not 3 years", lambda u: {"polarity": "GOOD", "behaviourCode": "D1-G-02",
                                           "publishTo": window_end(DECIDED, 24).isoformat()}, "3 years"),
    ("bad level", lambda u: {"authorityLevel": "乡"}, "authorityLevel"),
    ("negative fine", lambda u: {"fine": "-1"}, "fine"),
    ("empty description", lambda u: {"description": "  "}, "description must not be empty"),
]


@pytest.mark.parametrize(("case", "change", "says"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
async def test_bad_input_is_refused_naming_the_check_and_nothing_is_written(
    wf: Workflow, case: str, change: Any, says: str
) -> None:
    uscc = await wf.new_enterprise()
    body = await wf.ask(d.CREATE, wf.caller("regulator"), input=draft(uscc, **change(uscc)), key=key())
    code, message = error(body)
    assert code == "BAD_USER_INPUT" and says in message, message
    assert body["data"] is None
    assert await rows_about(wf, uscc) == (0, 0, 0)


async def test_windows_follow_the_rules_when_given_or_computed(wf: Workflow) -> None:
    uscc = await wf.new_enterprise()
    regulator = wf.caller("regulator")
    good = await create(wf, uscc, regulator, polarity="GOOD", behaviourCode="D1-G-02", penalty=None, fine=None)
    assert (good["publishFrom"], good["publishTo"]) == (DECIDED.isoformat(), window_end(DECIDED, 36).isoformat())
    long_penalty = window_end(DECIDED, 10)
    bad = await create(wf, uscc, regulator, penaltyUntil=long_penalty.isoformat())
    assert bad["publishTo"] == long_penalty.isoformat()  # never shorter than the penalty
    given = await create(wf, uscc, regulator, publishTo=window_end(DECIDED, 24).isoformat())
    assert given["publishTo"] == window_end(DECIDED, 24).isoformat()


async def test_a_published_bad_records_window_is_shortened_and_extended_within_the_rules(wf: Workflow) -> None:
    uscc = await wf.new_enterprise()
    record = await published(wf, uscc)
    n, bob = record["recordNumber"], wf.caller("reviewer", sub="bob")

    async def adjust(to: Any, version: int) -> dict[str, Any]:
        return await wf.ask(d.ADJUST, bob, n=n, v=version, to=to.isoformat(), reason="整改到位", key=key())

    code, message = error(await adjust(window_end(DECIDED, 2), 4))
    assert code == "BAD_USER_INPUT" and "at least 3 months" in message
    shortened = data(await adjust(window_end(DECIDED, 3), 4), "adjustCreditRecordWindow")
    assert (shortened["publishTo"], shortened["status"], shortened["version"]) == (
        window_end(DECIDED, 3).isoformat(), "published", 5)
    code, message = error(await adjust(window_end(DECIDED, 40), 5))
    assert code == "BAD_USER_INPUT" and "at most 3 years" in message
    extended = data(await adjust(window_end(DECIDED, 36), 5), "adjustCreditRecordWindow")
    assert extended["publishTo"] == window_end(DECIDED, 36).isoformat()
    history = await wf.fetch(JS, "SELECT action, reason, before ->> 'publish_to' AS was, after ->> 'publish_to' AS now"
                                 " FROM exchange.record_history WHERE entity_key = $1 AND action = 'adjust_window'"
                                 " ORDER BY id", n)
    assert [(h["was"], h["now"], h["reason"]) for h in history] == [
        (record["publishTo"], window_end(DECIDED, 3).isoformat(), "整改到位"),
        (window_end(DECIDED, 3).isoformat(), window_end(DECIDED, 36).isoformat(), "整改到位"),
    ]


async def test_a_retried_mutation_returns_the_first_result_and_writes_once(wf: Workflow) -> None:
    uscc = await wf.new_enterprise()
    regulator, client_key = wf.caller("regulator", sub="dave"), key()
    first = data(await wf.ask(d.CREATE, regulator, input=draft(uscc), key=client_key), "createCreditRecord")
    again = data(await wf.ask(d.CREATE, regulator, input=draft(uscc), key=client_key), "createCreditRecord")
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert {k: v for k, v in again.items() if k != "replayed"} == {k: v for k, v in first.items() if k != "replayed"}
    assert await rows_about(wf, uscc) == (1, 1, 1)
    # The same key for something else is the caller's mistake, said plainly.
    code, message = error(await wf.ask(d.CREATE, regulator, input=draft(uscc, description="另一条"), key=client_key))
    assert code == "IDEMPOTENCY_KEY_REUSED" and client_key in message
    # A retried step after it succeeded (the answer was lost) is not a conflict: it is the first answer.
    step_key = key()
    submitted = data(await wf.ask(d.SUBMIT, regulator, n=first["recordNumber"], v=1, key=step_key),
                     "submitCreditRecord")
    retried = data(await wf.ask(d.SUBMIT, regulator, n=first["recordNumber"], v=1, key=step_key),
                   "submitCreditRecord")
    assert (retried["version"], retried["replayed"]) == (submitted["version"], True)


async def test_a_retry_gets_its_first_result_even_when_its_checks_cannot_run_now(wf: Workflow) -> None:
    # The answer to a create (and to an edit) was lost; the client retries while the central
    # store, which the checks consult (behaviour codes), is down.  The retry is not checked again:
    # it is answered from its receipt, as the first attempt left it.
    uscc = await wf.new_enterprise()
    regulator, create_key, edit_key = wf.caller("regulator", sub="grace"), key(), key()
    first = data(await wf.ask(d.CREATE, regulator, input=draft(uscc), key=create_key), "createCreditRecord")
    edit = {"behaviourCode": "D1-3-02", "description": "工程质量不合格（复核）"}
    edited = data(await wf.ask(d.EDIT, regulator, n=first["recordNumber"], v=1, edit=edit, key=edit_key),
                  "editCreditRecord")
    central_down = dataclasses.replace(
        wf.settings, central=dataclasses.replace(wf.settings.central, dsn="postgresql://postgres@127.0.0.1:9/none")
    )
    async with running_client(central_down) as client:
        again = data(await ask(client, d.CREATE, regulator, input=draft(uscc), key=create_key), "createCreditRecord")
        edited_again = data(await ask(client, d.EDIT, regulator, n=first["recordNumber"], v=1, edit=edit,
                                      key=edit_key), "editCreditRecord")
        # a new key does need its checks, and says why it cannot have them
        code, _ = error(await ask(client, d.CREATE, regulator, input=draft(uscc), key=key()))
    assert (again["replayed"], again["recordNumber"]) == (True, first["recordNumber"])
    assert (edited_again["replayed"], edited_again["version"]) == (True, edited["version"])
    assert code == "SOURCE_UNAVAILABLE"
    assert await rows_about(wf, uscc) == (1, 2, 2)


async def test_retries_racing_each_other_write_once(wf: Workflow) -> None:
    uscc = await wf.new_enterprise()
    regulator, client_key = wf.caller("regulator", sub="erin"), key()
    bodies = await asyncio.gather(*(
        wf.ask(d.CREATE, regulator, input=draft(uscc), key=client_key) for _ in range(4)
    ))
    results = [data(b, "createCreditRecord") for b in bodies]
    assert len({r["recordNumber"] for r in results}) == 1
    assert sorted(r["replayed"] for r in results) == [False, True, True, True]
    assert await rows_about(wf, uscc) == (1, 1, 1)


async def test_concurrent_edits_of_one_version_conflict_instead_of_losing_one(wf: Workflow) -> None:
    uscc = await wf.new_enterprise()
    alice, carol = wf.caller("regulator", sub="alice"), wf.caller("regulator", sub="carol")
    n = (await create(wf, uscc, alice))["recordNumber"]
    bodies = await asyncio.gather(
        wf.ask(d.EDIT, alice, n=n, v=1, edit={"penalty": "警告（alice）"}, key=key()),
        wf.ask(d.EDIT, carol, n=n, v=1, edit={"penalty": "罚款（carol）"}, key=key()),
    )
    won = [b for b in bodies if "errors" not in b]
    lost = [b for b in bodies if "errors" in b]
    assert len(won) == 1 and len(lost) == 1
    assert error(lost[0])[0] == "VERSION_CONFLICT"
    rows = await wf.fetch(JS, "SELECT penalty, row_version FROM exchange.credit_record WHERE record_number = $1", n)
    winner = "alice" if won[0] is bodies[0] else "carol"
    assert rows[0]["row_version"] == 2 and winner in rows[0]["penalty"]


async def test_a_mutation_cut_off_mid_transaction_leaves_nothing_half_written(wf: Workflow) -> None:
    """The record and its history are inserted, then the receipt waits on a lock held here; the
    gateway's connection is killed while it waits (twice: the source retries a dead connection
    once).  Nothing may remain; the same key then writes the record exactly once."""
    uscc = await wf.new_enterprise()
    regulator, client_key = wf.caller("regulator", sub="frank"), key()
    blocker, killer = await asyncpg.connect(wf.dsn(JS)), await asyncpg.connect(wf.dsn(JS))
    try:
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute("LOCK TABLE exchange.mutation_receipt IN SHARE MODE")  # reads pass, inserts wait
        request = asyncio.create_task(wf.ask(d.CREATE, regulator, input=draft(uscc), key=client_key))
        killed = 0
        while not request.done() and killed < 10:
            killed += await _kill_waiting(killer)  # outside a transaction: pg_stat_activity is fresh
            await asyncio.sleep(0.05)
        body = await request
        await tx.rollback()
    finally:
        await blocker.close()
        await killer.close()
    assert killed >= 1
    assert error(body)[0] in {"SOURCE_UNAVAILABLE", "SOURCE_ERROR"}
    assert await rows_about(wf, uscc) == (0, 0, 0)
    await asyncio.sleep(0.4)  # the breaker saw the kills; let it half-open
    done = data(await wf.ask(d.CREATE, regulator, input=draft(uscc), key=client_key), "createCreditRecord")
    assert done["replayed"] is False
    assert await rows_about(wf, uscc) == (1, 1, 1)


async def _kill_waiting(conn: asyncpg.Connection) -> int:
    """Terminate every backend waiting for a lock on the receipts (the gateway's write)."""
    rows = await conn.fetch(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND query LIKE '%mutation_receipt%'"
    )
    return len(rows)
