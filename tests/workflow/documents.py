"""The GraphQL documents the workflow tests send, as a real client would."""

CHANGE = (
    "recordNumber province { code } status version polarity subjectName behaviourCode decisionDate"
    " publishFrom publishTo replayed"
)

CREATE = f"""
mutation($input: CreditRecordInput!, $key: String!) {{
  createCreditRecord(input: $input, clientKey: $key) {{ {CHANGE} }}
}}"""

EDIT = f"""
mutation($n: String!, $v: Int!, $edit: CreditRecordEdit!, $key: String!) {{
  editCreditRecord(recordNumber: $n, expectedVersion: $v, edit: $edit, clientKey: $key) {{ {CHANGE} }}
}}"""

SUBMIT = f"""
mutation($n: String!, $v: Int!, $key: String!) {{
  submitCreditRecord(recordNumber: $n, expectedVersion: $v, clientKey: $key) {{ {CHANGE} }}
}}"""

REVIEW = f"""
mutation($n: String!, $v: Int!, $d: ReviewDecision!, $reason: String, $key: String!) {{
  reviewCreditRecord(recordNumber: $n, expectedVersion: $v, decision: $d, reason: $reason, clientKey: $key) {{
    {CHANGE}
  }}
}}"""

PUBLISH = f"""
mutation($n: String!, $v: Int!, $key: String!) {{
  publishCreditRecord(recordNumber: $n, expectedVersion: $v, clientKey: $key) {{ {CHANGE} }}
}}"""

REVOKE = f"""
mutation($n: String!, $v: Int!, $reason: String!, $key: String!) {{
  revokeCreditRecord(recordNumber: $n, expectedVersion: $v, reason: $reason, clientKey: $key) {{ {CHANGE} }}
}}"""

ADJUST = f"""
mutation($n: String!, $v: Int!, $to: Date!, $reason: String!, $key: String!) {{
  adjustCreditRecordWindow(recordNumber: $n, expectedVersion: $v, publishTo: $to, reason: $reason, clientKey: $key) {{
    {CHANGE}
  }}
}}"""

ENTRY = "entryNumber province { code } version subjectName listedOn plannedRelease releasedOn replayed"

LIST = f"""
mutation($input: BlacklistEntryInput!, $key: String!) {{
  listBlacklistEntry(input: $input, clientKey: $key) {{ {ENTRY} }}
}}"""

RELEASE = f"""
mutation($n: String!, $v: Int!, $reason: String!, $key: String!, $on: Date) {{
  releaseBlacklistEntry(entryNumber: $n, expectedVersion: $v, reason: $reason, clientKey: $key, releasedOn: $on) {{
    {ENTRY}
  }}
}}"""

RECORDS = """
query($u: USCC!) {
  creditRecords(filter: { uscc: $u }, first: 50) {
    edges { node { recordNumber province { code } status publishFrom publishTo } }
    coverage { complete }
  }
}"""

RECORDS_WITH_HISTORY = """
query($u: USCC!) {
  creditRecords(filter: { uscc: $u }, first: 50) {
    edges { node {
      recordNumber status version
      history { action fromStatus toStatus version actor organisation clientAddress reason changedAt before after }
    } }
  }
}"""

BLACKLIST = """
query($u: USCC!) {
  enterprise(uscc: $u) {
    blacklist { entryNumber province { code } active listedOn plannedRelease releasedOn }
  }
}"""

BLACKLIST_WITH_HISTORY = """
query($u: USCC!) {
  enterprise(uscc: $u) { blacklist { entryNumber version history { action actor toStatus reason } } }
}"""
