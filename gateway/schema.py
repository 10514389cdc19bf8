"""The GraphQL schema, assembled from the resolvers.  ``schema.graphql`` is generated from it:

    .venv/bin/yrd-gateway schema > schema.graphql
"""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from resolvers.query import Query
from resolvers.scalars import SCALAR_MAP

schema = strawberry.Schema(query=Query, config=StrawberryConfig(scalar_map=SCALAR_MAP))
