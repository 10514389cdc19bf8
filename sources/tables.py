"""The exchange and central tables the bulk loader fills, with their columns in migration order.

Rows are plain tuples in these column orders, so ``copy_records_to_table`` takes them unchanged.
"""

from __future__ import annotations

from typing import Any

Row = tuple[Any, ...]

# Tables in foreign-key order: a table comes after every table it references, so loading in this
# order (and truncating in reverse) never trips a constraint.
EXCHANGE_COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprise": (
        "uscc", "uscc_valid", "name", "legal_representative", "registered_division", "address",
        "registration_type", "safety_licence_number", "entered_on", "updated_at",
    ),
    "qualification_certificate": (
        "certificate_number", "uscc", "issuing_authority", "issued_on", "valid_until", "status",
        "status_changed_on",
    ),
    "qualification_item": ("certificate_number", "item_no", "code", "sequence", "category", "grade"),
    "person": ("person_key", "id_type", "id_number", "name", "gender", "birth_date"),
    "registration": (
        "registration_number", "person_key", "category", "specialty", "employer_uscc", "registered_on",
        "valid_until", "status",
    ),
    "project": (
        "project_number", "provincial_number", "investment_code", "name", "location_division", "category",
        "owner_uscc", "total_investment", "state_funds_ratio", "status",
    ),
    "project_stage": (
        "record_number", "project_number", "stage", "filed_on", "enterprise_uscc", "amount", "person_key",
    ),
    "project_party": ("project_number", "uscc", "role", "stage"),
    "key_personnel": (
        "id", "project_number", "person_key", "name", "registration_number", "role", "employer_uscc",
        "start_date", "end_date", "change_document",
    ),
    "performance": ("id", "uscc", "project_number", "claimed_province", "role", "amount", "completed_on"),
    "credit_record": (
        "record_number", "subject_kind", "subject_uscc", "subject_person_key", "subject_name", "polarity",
        "behaviour_code", "description", "project_number", "place_division", "decision_number",
        "decision_date", "authority", "authority_level", "penalty", "fine", "penalty_until", "publish_from",
        "publish_to", "status", "internal_note", "created_by", "created_at", "updated_by", "updated_at",
    ),
    "blacklist_entry": (
        "entry_number", "subject_uscc", "subject_person_key", "subject_name", "basis", "authority",
        "listed_on", "planned_release", "released_on",
    ),
}

CENTRAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "division": ("code", "name", "valid_from", "valid_to"),
    "behaviour_code": ("code", "province_code", "party", "category", "title"),
    "code_crosswalk": ("province_code", "local_code", "national_code"),
    "recognition_decision": (
        "id", "recognising_province", "origin_province", "local_code", "decided_by", "basis",
        "effective_from", "effective_to",
    ),
}

# Tables whose ``id`` is an identity column: the loader moves their sequences past the seeded ids.
IDENTITY_TABLES = {"exchange": ("key_personnel", "performance"), "central": ("recognition_decision",)}
