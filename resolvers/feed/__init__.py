"""The live feed (GraphQL subscriptions) and early warning: events from every province's outbox,
filtered by the caller's visibility, resumable from a cursor."""
