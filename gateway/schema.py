"""The GraphQL schema, assembled from the resolvers.  ``schema.graphql`` is generated from it:

    .venv/bin/yrd-gateway schema > schema.graphql
"""

from __future__ import annotations

import strawberry

from resolvers.query import Query

schema = strawberry.Schema(query=Query)
