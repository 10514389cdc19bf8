"""Token counting: the cheapest limit, checked first on every document.

A document's size in lexical tokens bounds the work of parsing it.  strawberry's
``MaxTokensLimiter`` is sound but reports a syntax error without a code; this is the same idea
with ``TOO_MANY_TOKENS``.
"""

from __future__ import annotations

from functools import lru_cache

from graphql.error import GraphQLSyntaxError
from graphql.language import Lexer, Source, TokenKind

# Only small documents are remembered: 2048 large unique ones (up to ``max_body_bytes`` each) would
# pin over 100 MB of query text (issue 8, item 4; gateway.caches bounds the parsed documents).
_CACHED_QUERY_CHARS = 4 * 1024


def count_tokens(query: str, limit: int) -> int:
    """Lexical tokens of ``query``, counting stops just past ``limit``; a lexing error stops the
    count too (the parser then reports the syntax error itself)."""
    if len(query) > _CACHED_QUERY_CHARS:
        return _count_tokens(query, limit)
    return _cached_count_tokens(query, limit)


def _count_tokens(query: str, limit: int) -> int:
    lexer = Lexer(Source(query))
    count = 0
    try:
        while lexer.advance().kind != TokenKind.EOF:
            count += 1
            if count > limit:
                break
    except GraphQLSyntaxError:
        pass
    return count


_cached_count_tokens = lru_cache(maxsize=2048)(_count_tokens)
