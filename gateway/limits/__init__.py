"""Abuse limits: every rejection happens before execution, so no database is touched, and is a
GraphQL error with a stable ``extensions.code``.

``tokens``     how many lexical tokens a document has (checked before parsing finishes)
``analysis``   depth, aliases, root fields, page sizes and cost of a document, fragments once each
``extension``  ``QueryLimits``: the strawberry extension applying both to each request's policy
``rate``       ``RateLimiter``: per-caller token buckets
``persisted``  ``PersistedQueries``: the registered-operations allow-list

The numbers come from ``[limits]`` (``gateway.settings.LimitSettings``).

==========================  ==================================================================
``TOO_MANY_TOKENS``         the document has more lexical tokens than ``max_tokens``
``QUERY_TOO_DEEP``          a selection nests deeper than ``max_depth`` (fragments expanded)
``TOO_MANY_ALIASES``        more aliased fields than ``max_aliases`` (fragments expanded, each use)
``TOO_MANY_ROOT_FIELDS``    more root fields than ``max_root_fields``
``PAGE_TOO_LARGE``          a ``first`` argument outside 1..``max_page_size`` (the one page-size check)
``QUERY_TOO_COSTLY``        the estimated cost is above ``max_cost`` (below)
``INTROSPECTION_DISABLED``  ``__schema``/``__type`` asked by the public while configured off
``BODY_TOO_LARGE``          the HTTP body is above ``max_body_bytes`` (HTTP 413, see ``gateway.admission``)
``RATE_LIMITED``            the caller spent its per-minute budget (HTTP 429, see ``gateway.admission``)
``PERSISTED_QUERY_*``       see :class:`PersistedQueries`
``REQUEST_TIMEOUT``         execution took longer than ``timeout_ms`` (see ``gateway.view``)
==========================  ==================================================================
"""
