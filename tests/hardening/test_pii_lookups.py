"""No public input is an oracle for an ID number (issue 8, item 2; DOMAIN §6).

The public sees ``310116********6599``: the hidden digits are a birth date and the check
character rules out most dates, so any yes/no answer to a full number the public supplies gives
the number away in about a hundred tries.  The public therefore never looks a person up, or
cross-checks one, by ID number: the answer is ``FORBIDDEN`` before any database is asked, and it
is the same whether the number is someone's, no one's, or malformed.  Officials still may.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from graphql import GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLObjectType

from gateway.schema import schema
from tests.conftest import Stack
from tests.tokens import ask, headers_for, statements_total

PERSON = "query($t: IdType!, $n: String!) { person(idType: $t, idNumber: $n) { name idNumber } }"
CHECK = "query($t: IdType, $n: String) { crossCheckPerson(idType: $t, idNumber: $n) { subject { found } } }"
CHECK_BOTH = ("query($t: IdType, $n: String, $g: String) { crossCheckPerson(idType: $t, idNumber: $n,"
              " registrationNumber: $g) { subject { found } } }")
NO_ONE = "11010519491231002X"  # the national standard's sample number: valid, and nobody's here
MALFORMED = "110105194912310021"  # fails its check character


def _numbers(stack: Stack) -> list[str]:
    return [stack.case("dual_registration_person")["key"]["idNumber"], NO_ONE, MALFORMED]


def _answer(body: dict[str, Any]) -> tuple[Any, list[tuple[str, str]]]:
    """What a caller learns from a response: its data and its errors (code, message)."""
    errors = [(e["extensions"]["code"], e["message"]) for e in body.get("errors", [])]
    return body["data"], errors


@pytest.mark.parametrize("case", ["public", "admin"])
@pytest.mark.parametrize("query", [PERSON, CHECK, CHECK_BOTH], ids=["person", "crossCheckPerson", "both-keys"])
async def test_no_lookup_by_id_number_without_an_official_role(
    client: httpx.AsyncClient, stack: Stack, case: str, query: str
) -> None:
    registration = stack.case("dual_registration_person")["key"]["registrationNumber"]
    answers = []
    for number in _numbers(stack):
        body = await ask(client, query, headers_for(stack.settings, case), t="居民身份证", n=number, g=registration)
        assert statements_total(body) == 0, body  # refused before any database is asked
        answers.append(_answer(body))
    (code, message), = answers[0][1]
    assert code == "FORBIDDEN" and "registration number" in message
    assert answers[0][0] is None or next(iter(answers[0][0].values())) is None
    # Someone's number, nobody's number, a malformed number: one and the same answer.
    assert answers[1:] == answers[:1] * 2


@pytest.mark.parametrize("case", ["regulator_sh", "reviewer_sh"])
async def test_officials_still_look_up_by_id_number(client: httpx.AsyncClient, stack: Stack, case: str) -> None:
    key = stack.case("dual_registration_person")["key"]
    body = await ask(client, PERSON, headers_for(stack.settings, case), t=key["idType"], n=key["idNumber"])
    assert "errors" not in body and body["data"]["person"]["name"]
    body = await ask(client, CHECK, headers_for(stack.settings, case), t=key["idType"], n=key["idNumber"])
    assert "errors" not in body and body["data"]["crossCheckPerson"]["subject"]["found"]
    body = await ask(client, PERSON, headers_for(stack.settings, case), t=key["idType"], n=MALFORMED)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_public_finds_a_person_by_registration_number(client: httpx.AsyncClient, stack: Stack) -> None:
    key = stack.case("dual_registration_person")["key"]
    query = "query($g: String!) { personByRegistration(registrationNumber: $g) { name idNumber } }"
    person = (await ask(client, query, g=key["registrationNumber"]))["data"]["personByRegistration"]
    assert person["name"] and person["idNumber"] == key["idNumber"][:6] + "********" + key["idNumber"][-4:]


# ---- every other input ---------------------------------------------------------------------------

PERSONAL = re.compile(r"id_?number|person_?key|subject_?key|birth", re.I)
# The only inputs that name a person by ID number or key, and who may use them: person and
# crossCheckPerson refuse non-officials (above); auditLog is for administrators (@requires); a
# credit record or blacklist entry about a person is written by a regulator (@requires, refused
# before the number is read: idNumber is a plain String, checked only in the resolver).
KNOWN = {
    "Query.person.idNumber", "Query.crossCheckPerson.idNumber", "Query.auditLog.filter.subjectKey",
    "Mutation.createCreditRecord.input.subjectPerson.idNumber",
    "Mutation.listBlacklistEntry.input.subjectPerson.idNumber",
    # The watchlist is an official's (@requires regulator or reviewer, refused before any argument
    # is read); the feed's personKey filters are refused to non-officials before the key is used.
    "Mutation.watch.idNumber", "Mutation.unwatch.idNumber", "Mutation.unwatch.personKey",
    "Subscription.recordPublished.filter.personKey", "Subscription.blacklistChanged.filter.personKey",
}


def _inputs(prefix: str, type_: Any, seen: set[str]) -> list[str]:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    if not isinstance(type_, GraphQLInputObjectType) or type_.name in seen:
        return []
    seen.add(type_.name)
    return [path for name, field in type_.fields.items()
            for path in [f"{prefix}.{name}", *_inputs(f"{prefix}.{name}", field.type, seen)]]


def test_no_other_input_takes_an_id_number_or_a_person_key() -> None:
    """A new argument or filter naming a person by ID number or key must be judged here first: a
    filter by ID number (``registeredPersons(idNumber:)``, statistics by person) would be an oracle
    again, through a count or an empty list instead of a null."""
    paths = []
    for type_ in schema._schema.type_map.values():
        if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__"):
            for field_name, field in type_.fields.items():
                for arg_name, arg in field.args.items():
                    paths += [f"{type_.name}.{field_name}.{arg_name}",
                              *_inputs(f"{type_.name}.{field_name}.{arg_name}", arg.type, set())]
    assert {p for p in paths if PERSONAL.search(p.rsplit(".", 1)[-1])} == KNOWN
