-- POSTs $BODY as JSON, with $AUTH as the Authorization header when it is set (the same
-- script drives Skillpath and the anchors, which ignore the header).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BODY") or '{"query":"{ __typename }"}'
local auth = os.getenv("AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end
