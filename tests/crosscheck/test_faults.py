"""Cross-checks with a database stopped on purpose: the report says it is incomplete, names what is
missing, and never claims "no findings".  Each test runs its own gateway (a fresh breaker)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Stack, gql, running_client
from tests.crosscheck import reports as r


def codes_of(items: list[dict[str, Any]]) -> set[str]:
    return {i["code"] for i in items}


async def test_stopped_province_makes_every_report_incomplete(stack: Stack) -> None:
    clean = stack.case("clean_enterprise")["key"]["uscc"]  # known only in Zhejiang, yet Jiangsu must answer
    manager = stack.case("concurrent_project_manager")["key"]  # one of the two projects is in Jiangsu
    async with running_client(stack.settings) as client:
        stack.cluster.stop("js")
        try:
            enterprise = await r.enterprise(client, clean)
            person = await r.person(client, manager)
        finally:
            stack.cluster.start("js")

    found = enterprise["data"]["r"]
    assert found["complete"] is False and found["coverage"]["complete"] is False
    assert codes_of(found["coverage"]["missing"]) == {"320000"}
    assert codes_of(found["coverage"]["answered"]) == {"310000", "330000"}
    assert "江苏省（320000）未答复" in found["statementZh"]
    assert "no findings" not in found["statementEn"] and "cannot be concluded" in found["statementEn"]
    errors = [e for e in enterprise["errors"] if e["extensions"]["source"] == "320000"]
    assert errors and errors[0]["extensions"]["code"] == "SOURCE_UNAVAILABLE"
    assert errors[0]["path"] == ["r"]

    lead = person["data"]["r"]
    assert lead["complete"] is False and codes_of(lead["coverage"]["missing"]) == {"320000"}
    assert lead["findings"] == []  # the overlap is invisible without Jiangsu, and the report says so
    assert "0 finding(s) so far" in lead["statementEn"]


async def test_without_the_central_store_local_codes_are_unknown(stack: Stack) -> None:
    local = stack.case("local_code_crosswalk")["key"]["uscc"]
    national = stack.case("publication_windows")["key"]["uscc"]
    records = """query($u: USCC!) { enterprise(uscc: $u) { creditRecords { behaviourCode nationalCode
        recognizedIn { province { code } basis } } } }"""
    async with running_client(stack.settings) as client:
        stack.cluster.stop("central")
        try:
            with_local = await r.enterprise(client, local)
            only_national = await r.enterprise(client, national)
            fields = await gql(client, records, u=local)
        finally:
            stack.cluster.start("central")

    found = with_local["data"]["r"]
    assert found["complete"] is False and found["recognitionRulesAvailable"] is False
    assert found["coverage"]["missing"] == []  # every province answered: the gap is the rules
    assert found["findings"] == []  # JS-SG-02 is not held against the enterprise without its crosswalk
    assert {(i["code"], i["behaviourCode"]) for i in found["informational"]} == {
        ("RECOGNITION_UNKNOWN", "JS-SG-02"), ("RECOGNITION_UNKNOWN", "SH-SG-01"),
    }
    assert "recognition rules were unavailable" in found["statementEn"]
    assert any(e["extensions"]["source"] == "central" for e in with_local["errors"])

    plain = only_national["data"]["r"]  # national codes need no central store: still complete
    assert plain["complete"] is True and r.codes(plain) == ["ACTIVE_BAD_RECORD"]

    by_code = {x["behaviourCode"]: x for x in fields["data"]["enterprise"]["creditRecords"]}
    assert by_code["JS-SG-02"]["nationalCode"] is None
    assert [g["basis"] for g in by_code["JS-SG-02"]["recognizedIn"]] == ["ISSUING_PROVINCE"]
    central_errors = [e for e in fields["errors"] if e["extensions"]["source"] == "central"]
    assert central_errors and "recognition" in central_errors[-1]["message"]
