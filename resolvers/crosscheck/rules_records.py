"""Rules over credit records and blacklist entries, shared by enterprise and person checks.

Mutual recognition decides what counts across provinces: a bad record is a finding when it is
recognised outside the province that issued it (national code, crosswalk, or a recognition
decision in effect at the date asked about).  A local record no other province recognises stays
informational; one whose recognition cannot be decided (central store down) is informational too
and makes the report incomplete (see ``verdict``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from domain.publication import blacklist_is_active, record_is_public
from resolvers.crosscheck.facts import Listed, Record
from resolvers.crosscheck.findings import Code, Evidence, Finding, Severity, joined, provinces_of
from resolvers.recognition import RecognitionRules, category_of

SERIOUS_CATEGORIES = ("3", "4")  # 工程质量, 工程安全 in every party's national table (D1, E1, A1 ...)
ACCIDENT_WINDOW_MONTHS = 12


def active_blacklist(entries: Sequence[Listed], as_of: date) -> list[Finding]:
    """ACTIVE_BLACKLIST: listed on ``as_of`` in any province (listing day inclusive, release exclusive)."""
    active = [e for e in entries if blacklist_is_active(e.listed_on, e.planned_release, e.released_on, as_of)]
    if not active:
        return []
    evidence = tuple(
        Evidence(e.province, (e.entry_number,), (e.listed_on, e.released_on or e.planned_release),
                 f"{e.authority}：{e.basis}")
        for e in active
    )
    where = joined(provinces_of(evidence))
    return [Finding(
        Code.ACTIVE_BLACKLIST, Severity.CRITICAL,
        f"截至{as_of}，该主体在{where}的黑名单管理期内（列入日期、计划移出日期见证据）。",
        f"On {as_of} the subject is on the blacklist of {where} (listing and planned release dates in the evidence).",
        evidence,
    )]


def active_bad_records(
    records: Sequence[Record], rules: RecognitionRules, provinces: Sequence[str], as_of: date
) -> list[Finding]:
    """ACTIVE_BAD_RECORD per national code (or recognised local code); informational items for the rest."""
    groups: dict[str, list[Evidence]] = {}
    unrecognised: dict[str, list[Evidence]] = {}
    unknown: dict[str, list[Evidence]] = {}
    for record in records:
        if record.polarity != "bad" or not record_is_public("published", record.publish_from, record.publish_to, as_of):
            continue
        key, note = _counted_as(record, rules, provinces, as_of)
        if key is not None:
            groups.setdefault(key, []).append(_record_evidence(record, note))
        elif rules.is_known(record.behaviour_code):
            unrecognised.setdefault(record.behaviour_code, []).append(_record_evidence(record, None))
        else:
            unknown.setdefault(record.behaviour_code, []).append(_record_evidence(record, None))
    findings = [_bad_record_finding(code, evidence, as_of) for code, evidence in groups.items()]
    findings += [_unrecognised_finding(code, evidence) for code, evidence in unrecognised.items()]
    findings += [_unknown_finding(code, evidence) for code, evidence in unknown.items()]
    return findings


def _counted_as(
    record: Record, rules: RecognitionRules, provinces: Sequence[str], as_of: date
) -> tuple[str | None, str | None]:
    """The code a record counts under across provinces, with a note on how; (None, None) if it does not."""
    code, origin = record.behaviour_code, record.province
    national = rules.national_code(code, origin)
    if national == code:
        return code, None
    if national is not None:
        return national, f"地方代码{code}经对照表对应国家代码{national} / local code {code} maps to {national}"
    elsewhere = rules.recognised_elsewhere(code, origin, provinces, as_of)
    if not elsewhere:
        return None, None
    decided = "；".join(f"{g.province}（{g.decision.decided_by}）" for g in elsewhere if g.decision)
    return code, f"地方代码{code}经互认决定在{decided}认可 / local code {code} recognised by decision in " + joined(
        g.province for g in elsewhere
    )


def _record_evidence(record: Record, note: str | None) -> Evidence:
    window = f"公布期 {record.publish_from}～{record.publish_to} / published {record.publish_from}..{record.publish_to}"
    return Evidence(
        record.province, (record.record_number,), (record.decision_date,), f"{window}; {note}" if note else window
    )


def _bad_record_finding(code: str, evidence: list[Evidence], as_of: date) -> Finding:
    where = joined(provinces_of(evidence))
    return Finding(
        Code.ACTIVE_BAD_RECORD, Severity.MEDIUM,
        f"截至{as_of}，{where}有{len(evidence)}条行为代码{code}的不良行为记录处于公布期内。",
        f"On {as_of}, {len(evidence)} bad record(s) under behaviour code {code} are inside their publication "
        f"window in {where}.",
        tuple(evidence), code,
    )


def _unrecognised_finding(code: str, evidence: list[Evidence]) -> Finding:
    where = joined(provinces_of(evidence))
    return Finding(
        Code.UNRECOGNISED_LOCAL_RECORD, Severity.INFO,
        f"{where}的地方行为代码{code}记录无国家代码对照、亦无互认决定，仅在发布省份有效，不作为跨省问题。",
        f"Local code {code} of {where} has no crosswalk entry and no recognition decision: it counts only in "
        "the issuing province and is not a cross-province finding.",
        tuple(evidence), code,
    )


def _unknown_finding(code: str, evidence: list[Evidence]) -> Finding:
    return Finding(
        Code.RECOGNITION_UNKNOWN, Severity.INFO,
        f"中心库互认规则不可用，无法判断地方行为代码{code}在其他省份是否被认可。",
        f"The central store's recognition rules were unavailable: whether local code {code} counts in other "
        "provinces is unknown.",
        tuple(evidence), code,
    )


def cross_province_accidents(records: Sequence[Record], rules: RecognitionRules, as_of: date) -> list[Finding]:
    """CROSS_PROVINCE_ACCIDENTS: ≥2 quality/safety records in the 12 months up to ``as_of``, ≥2 provinces."""
    since = months_before(as_of, ACCIDENT_WINDOW_MONTHS)
    serious = [
        (r, national) for r in records
        if r.polarity == "bad" and since < r.decision_date <= as_of
        and (national := rules.national_code(r.behaviour_code, r.province)) is not None
        and category_of(national) in SERIOUS_CATEGORIES
    ]
    if len(serious) < 2 or len({r.province for r, _ in serious}) < 2:
        return []
    evidence = tuple(
        Evidence(r.province, (r.record_number,), (r.decision_date,),
                 f"{r.behaviour_code}" + (f" → {national}" if national != r.behaviour_code else ""))
        for r, national in sorted(serious, key=lambda item: item[0].decision_date)
    )
    where = joined(provinces_of(evidence))
    return [Finding(
        Code.CROSS_PROVINCE_ACCIDENTS, Severity.HIGH,
        f"{since}至{as_of}的12个月内，该主体在{where}共有{len(serious)}条工程质量/安全类不良记录（每省单独看仅个别）。",
        f"{len(serious)} quality/safety records (national categories 3 and 4) in the 12 months up to {as_of}, "
        f"across {where}: each province alone sees only part of the pattern.",
        evidence,
    )]


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover
