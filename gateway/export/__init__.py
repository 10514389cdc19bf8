"""The data package (数据包): ``GET /export/{kind}`` streams every row of one kind, from every
province, in one global order, as NDJSON or CSV, ending with a manifest line a provincial system
verifies its load against.  The format is ``deploy/EXPORT_FORMAT.md``.

* ``kinds``: what each kind exports (fields, order, cursor, filters, visibility), reusing the
  GraphQL lists' pages, filters and cursors where they exist;
* ``params``: query parameters validated by the GraphQL schema's own input types and scalars,
  and the format negotiated from ``?format=`` or ``Accept``;
* ``merge``: per-province keyset streams (one page ahead) merged into the global order;
* ``encoding``: NDJSON and CSV rows and the manifest line;
* ``endpoint``: the ASGI endpoint behind the same admission as ``/graphql`` (tokens, rate limits),
  the first pages before the response starts (bad input and unreachable provinces are HTTP errors
  before any row), the stream, the incomplete marker and the audit entry of an official's export.
"""
