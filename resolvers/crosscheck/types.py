"""The GraphQL shape of a cross-check report (built from the pure verdict, nothing computed here)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import Enum

import strawberry

from resolvers.context import Info
from resolvers.crosscheck import findings as pure
from resolvers.crosscheck.verdict import Verdict
from resolvers.types.common import Coverage, Province, coverage, province


def _expose(cls: type[Enum], name: str, description: str, values: Mapping[str, tuple[str, str]]) -> None:
    """Make a plain rules enum a GraphQL enum too, one description (Chinese, English) per value.

    The rules keep their enum free of strawberry; ``strawberry.enum`` marks that same class, so a
    finding's code and severity reach the schema as they are, with no second enum to keep in step.
    """
    strawberry.enum(cls, name=name, description=description)
    for value in cls.__strawberry_definition__.values:  # type: ignore[attr-defined]
        zh, en = values[value.name]  # a member without a description fails here, at import
        value.description = f"{zh} {en}"


_expose(pure.Severity, "Severity", "问题严重程度。 Severity of a finding (INFO: informational, never a finding).", {
    "CRITICAL": ("严重：应立即处理。", "Critical: act now."),
    "HIGH": ("高。", "High."),
    "MEDIUM": ("中。", "Medium."),
    "LOW": ("低。", "Low."),
    "INFO": ("提示信息，不构成问题。", "Informational, not a finding."),
})

_expose(pure.Code, "FindingCode", "核查发现的类别。 Kind of cross-check finding.", {
    "ACTIVE_BLACKLIST": ("在黑名单管理期内。", "On a blacklist on the date checked."),
    "ACTIVE_BAD_RECORD": ("公布期内的不良记录（按国家行为代码）。", "Bad record inside its window, by code."),
    "QUALIFICATION_INVALID": (
        "资质失效后仍中标、合同备案或取得施工许可。", "Awards, contracts or permits after the qualification lapsed."),
    "CONCURRENT_PROJECT_LEAD": ("同时担任多个在建项目负责人。", "Leads two or more unfinished projects."),
    "CONCURRENT_CHIEF_SUPERVISOR": (
        "总监理工程师同时担任超过三个项目。", "Chief supervising engineer on more than three projects."),
    "MULTIPLE_EMPLOYERS": ("同一注册类别注册于多家单位（挂证）。", "One category, several employers."),
    "CLAIMED_PERFORMANCE_NOT_FOUND": ("申报业绩无法核实（虚假业绩）。", "Claimed performance not confirmed."),
    "CROSS_PROVINCE_ACCIDENTS": (
        "12个月内跨省两起以上质量安全事故。", "Two or more quality/safety records in 12 months across provinces."),
    "DATA_CONFLICT": ("跨省数据不一致。", "Databases disagree (registration facts, permit without award)."),
    "UNRECOGNISED_LOCAL_RECORD": ("未获互认的地方代码记录（提示）。", "Local record not recognised elsewhere."),
    "RECOGNITION_UNKNOWN": ("互认规则不可用，无法判断（提示）。", "Recognition could not be decided."),
    "DOCUMENTED_CONCURRENT_LEAD": (
        "有批准文件的兼任（如相邻标段，提示）。", "Documented exception, e.g. adjacent phases."),
    "QUALIFICATION_NOT_VALID": ("当前无有效资质证书（提示）。", "No valid certificate on the date."),
    "UNVERIFIABLE_PERFORMANCE_CLAIM": ("业绩所在省份不在本平台（提示）。", "Claimed province outside the platform."),
})


@strawberry.type(description="核查证据。 Evidence of a finding: one province, the records involved and their dates.")
class Evidence:
    province: Province = strawberry.field(description="证据所在省份。 Province holding the evidence.")
    record_ids: list[str] = strawberry.field(
        description="相关记录编号（信用记录、名单、备案、证书、项目等）。 Numbers of the records involved."
    )
    dates: list[date] = strawberry.field(description="相关日期。 The dates that matter.")
    note: str | None = strawberry.field(description="说明。 A short note on the evidence.")


@strawberry.type(description="核查发现。 One finding of a cross-check, explained in Chinese and English.")
class Finding:
    code: pure.Code = strawberry.field(description="发现类别。 Kind of finding.")
    severity: pure.Severity = strawberry.field(description="严重程度。 Severity.")
    behaviour_code: str | None = strawberry.field(
        description="相关行为代码（国家代码或获互认的地方代码）。 Behaviour code the finding is grouped by, if any."
    )
    explanation_zh: str = strawberry.field(description="中文说明。 Explanation in Chinese.")
    explanation_en: str = strawberry.field(description="英文说明。 Explanation in English.")
    evidence: list[Evidence] = strawberry.field(description="证据。 Evidence, per province.")


@strawberry.type(description="核查对象。 The subject of a cross-check.")
class CrossCheckSubject:
    kind: str = strawberry.field(description="类型：enterprise、person、performance。 Subject kind.")
    key: str = strawberry.field(
        description="标识：信用代码、注册编号或脱敏证件号。 USCC, registration number or masked ID number."
    )
    name: str | None = strawberry.field(description="名称或姓名。 Name, when a province knows the subject.")
    project_number: str | None = strawberry.field(description="核查的项目编号（业绩核查）。 Project verified, if any.")
    found: bool = strawberry.field(description="是否有省份掌握该主体。 Whether any province knows the subject.")


@strawberry.type(
    description=(
        "跨省核查报告：发现、证据与完整性。只有所有需要的省份都答复时才完整；不完整时不会给出“无问题”的结论。"
        " A cross-check report: findings, evidence and completeness. It is complete only when every province it"
        " needed answered; an incomplete report never says there are no findings."
    )
)
class CrossCheckReport:
    subject: CrossCheckSubject = strawberry.field(description="核查对象。 The subject checked.")
    as_of: date = strawberry.field(description="核查基准日。 The date every window and status was judged at.")
    complete: bool = strawberry.field(
        description="是否完整（所有省份及所需的互认规则均已答复）。 Every needed province (and rule source) answered."
    )
    coverage: Coverage = strawberry.field(description="各省答复情况。 Which provinces answered.")
    recognition_rules_available: bool = strawberry.field(
        description="中心库互认规则是否可用。 Whether the central store's recognition rules were available."
    )
    statement_zh: str = strawberry.field(description="结论（中文）。 The conclusion, in Chinese.")
    statement_en: str = strawberry.field(description="结论（英文）。 The conclusion, in English.")
    findings: list[Finding] = strawberry.field(description="发现的问题，严重的在前。 Findings, most severe first.")
    informational: list[Finding] = strawberry.field(
        description="提示信息（不构成问题）。 Informational items (severity INFO), not findings."
    )


def finding_of(info: Info, finding: pure.Finding) -> Finding:
    return Finding(
        code=finding.code,
        severity=finding.severity,
        behaviour_code=finding.behaviour_code,
        explanation_zh=finding.explanation_zh,
        explanation_en=finding.explanation_en,
        evidence=[
            Evidence(province=province(info, e.province), record_ids=list(e.record_ids), dates=list(e.dates),
                     note=e.note)
            for e in finding.evidence
        ],
    )


def report_of(info: Info, verdict: Verdict, subject: CrossCheckSubject, as_of: date) -> CrossCheckReport:
    """The GraphQL report of a verdict."""
    names = {code: f"{info.context.province(code).name}（{code}）" for code in verdict.asked}
    statement_zh, statement_en = verdict.statement(names)
    cover: Coverage = coverage(info, verdict.answered, list(verdict.missing))
    # A client that reads only coverage must not take a rules gap for a complete answer either.
    cover.complete = verdict.complete
    return CrossCheckReport(
        subject=subject, as_of=as_of, complete=verdict.complete, coverage=cover,
        recognition_rules_available=verdict.rules_available,
        statement_zh=statement_zh, statement_en=statement_en,
        findings=[finding_of(info, f) for f in verdict.problems],
        informational=[finding_of(info, f) for f in verdict.informational],
    )
