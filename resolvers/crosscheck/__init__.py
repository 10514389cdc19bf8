"""Cross-checks (互查互用, DOMAIN §5): facts gathered live from every province, judged by small pure
rules, reported with how complete the answer is.

``facts``     plain input facts (dataclasses), what the rules see
``findings``  the rules' output: findings, evidence, severities
``rules_*``   the pure rule functions, one per check
``verdict``   completeness and the plain-language statement of a report
``loading``   per-request loaders: fact statements and the recognition-rules snapshot
``gather``    sources + federation → facts (the only part that asks databases)
``types``     the GraphQL shape; ``query`` the root fields
"""
