// Subscribes with the stock graphql-ws client and prints every message as one JSON line:
// {"next": data} for a push, {"error": [...]} for an error frame, {"complete": true} at the end.
// Usage: node subscribe.mjs WS_URL QUERY_JSON [VARIABLES_JSON]
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, query, variables = "{}"] = process.argv.slice(2);
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { token: process.env.SKILLPATH_TOKEN ?? "" },
  retryAttempts: 0,
});
const print = (message) => process.stdout.write(JSON.stringify(message) + "\n");

client.subscribe(
  { query: JSON.parse(query), variables: JSON.parse(variables) },
  {
    next: (result) => print(result.errors ? { error: result.errors } : { next: result.data }),
    error: (error) => {
      print({ error: Array.isArray(error) ? error : [{ message: String(error.reason ?? error) }] });
      client.dispose();
    },
    complete: () => {
      print({ complete: true });
      client.dispose();
    },
  },
);
// Bounded: the test reads what it needs and ends the process; this is the backstop.
setTimeout(() => { client.dispose(); process.exit(3); }, 60_000).unref();
