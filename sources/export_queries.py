"""Keyset pages for the data package (``GET /export/{kind}``, ``gateway.export``) of the kinds the
GraphQL lists do not page themselves: blacklist entries and qualification certificates.

Credit records and enterprises are exported through the GraphQL lists' own pages
(``sources.province_queries.credit_record_page`` / ``enterprise_page``), so their order and their
filters cannot drift apart.  The pages here follow the same pattern: one statement per page, in
byte order of the natural key (``COLLATE "C"``, the same in every province whatever its locale,
and the order Python compares ``str`` in), strictly after the previous page's last key.

``inclusive`` admits the key itself: the export's global order breaks ties between provinces by
province code, so a province after the cursor's province may hold a row with the cursor's key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

from sources.base import Source
from sources.records import BlacklistRow, QualificationCertificateRow

# The columns are the typed row's fields (one home: ``sources.records``).
_BLACKLIST_COLUMNS = ", ".join(f.name for f in fields(BlacklistRow))


async def blacklist_page(
    source: Source, *, after: str | None, inclusive: bool, limit: int, uscc: str | None,
) -> list[BlacklistRow]:
    """Blacklist entries of one province in entry-number order, after ``after``."""
    comparison = ">=" if inclusive else ">"
    rows = await source.fetch(
        f"""SELECT {_BLACKLIST_COLUMNS} FROM exchange.blacklist_entry
             WHERE ($1::text IS NULL OR entry_number COLLATE "C" {comparison} $1::text COLLATE "C")
               AND ($3::text IS NULL OR subject_uscc = $3)
             ORDER BY entry_number COLLATE "C" LIMIT $2""",
        after, limit, uscc,
    )
    return [BlacklistRow.from_record(row) for row in rows]


async def qualification_page(
    source: Source, *, after: str | None, inclusive: bool, limit: int, uscc: str | None,
    statuses: Sequence[str] | None,
) -> list[QualificationCertificateRow]:
    """Qualification certificates of one province, with their items, in certificate-number order.

    The items are aggregated as ``QUALIFICATIONS_BY_USCC`` aggregates them (one JSON array per
    certificate), so the typed row is the same the enterprise's ``qualifications`` field reads.
    """
    comparison = ">=" if inclusive else ">"
    rows = await source.fetch(
        f"""WITH page AS (
              SELECT * FROM exchange.qualification_certificate
               WHERE ($1::text IS NULL OR certificate_number COLLATE "C" {comparison} $1::text COLLATE "C")
                 AND ($3::text IS NULL OR uscc = $3)
                 AND ($4::text[] IS NULL OR status = ANY($4))
               ORDER BY certificate_number COLLATE "C" LIMIT $2)
            SELECT c.uscc, c.certificate_number, c.issuing_authority, c.issued_on, c.valid_until, c.status,
                   c.status_changed_on,
                   coalesce(json_agg(json_build_object('item_no', i.item_no, 'code', i.code, 'sequence', i.sequence,
                                                       'category', i.category, 'grade', i.grade)
                                     ORDER BY i.item_no) FILTER (WHERE i.item_no IS NOT NULL), '[]')::text AS items
              FROM page c
              LEFT JOIN exchange.qualification_item i USING (certificate_number)
             GROUP BY c.uscc, c.certificate_number, c.issuing_authority, c.issued_on, c.valid_until, c.status,
                      c.status_changed_on
             ORDER BY c.certificate_number COLLATE "C"
        """,
        after, limit, uscc, list(statuses) if statuses is not None else None,
    )
    return [QualificationCertificateRow.from_record(row) for row in rows]
