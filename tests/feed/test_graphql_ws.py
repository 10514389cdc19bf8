"""The reference JavaScript client, ``graphql-ws`` (what Apollo and urql use for subscriptions), from
the npm registry at test time, subscribes as a JS official with its token in ``connectionParams``
and receives the event of a record inserted by SQL straight into Zhejiang.  Skips without
node/npm unless ``NODE_AUDIT_REQUIRED`` is set (as the other Node tests)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from tests.feed.conftest import FeedStack, insert_record, record_number, wait_subscribed
from tests.npm import npm_install

PACKAGES = ("graphql-ws@6.4.2", "graphql@16.15.0", "ws@8.23.0")
SCRIPT = """
const { createClient } = require('graphql-ws');
const WebSocket = require('ws');
const [url, token, query, variables] = process.argv.slice(2);
const client = createClient({ url, webSocketImpl: WebSocket, lazy: false,
  connectionParams: token ? { Authorization: token } : {} });
const stop = client.subscribe({ query, variables: JSON.parse(variables) }, {
  next: (value) => { console.log(JSON.stringify(value)); stop(); client.dispose(); process.exit(0); },
  error: (e) => {
    console.log(JSON.stringify({ failed: String((e && (e.reason || e.message)) || e) }));
    process.exit(1);
  },
  complete: () => {},
});
setTimeout(() => { console.log(JSON.stringify({ failed: 'no event within 30 s' })); process.exit(2); }, 30000);
"""
QUERY = """subscription ($filter: RecordFeedFilter) {
  recordPublished(filter: $filter) { position change province { code } record { recordNumber status } } }"""


@pytest.fixture(scope="module")
def graphql_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    prefix = npm_install(tmp_path_factory.mktemp("npm-graphql-ws"), PACKAGES, "the graphql-ws client")
    (prefix / "subscribe.cjs").write_text(SCRIPT, encoding="utf-8")
    return prefix


async def test_graphql_ws_receives_a_record_inserted_by_sql(feed: FeedStack, graphql_ws: Path) -> None:
    await wait_subscribed(feed, 0)
    token = feed.token("regulator", "320000")["Authorization"]
    env = {**os.environ, "NODE_PATH": str(graphql_ws / "node_modules")}
    node = await asyncio.create_subprocess_exec(
        "node", str(graphql_ws / "subscribe.cjs"), feed.ws_url, token, QUERY,
        json.dumps({"filter": {"provinces": ["330000"]}}), stdout=asyncio.subprocess.PIPE, env=env)
    try:
        await wait_subscribed(feed, 1)
        await insert_record(feed.dsn("330000"), number := record_number("graphql-ws"))
        line = await asyncio.wait_for(node.stdout.readline(), 30)  # type: ignore[union-attr]
    finally:
        if node.returncode is None:
            node.kill()
        await node.wait()
    answer = json.loads(line)
    assert "failed" not in answer, answer
    event = answer["data"]["recordPublished"]
    assert event["change"] == "PUBLISHED" and event["province"]["code"] == "330000"
    assert event["record"] == {"recordNumber": number, "status": "published"}
