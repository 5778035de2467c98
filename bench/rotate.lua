-- Rotates over the requests in the file $REQUESTS, one per line: "<Authorization>\t<JSON body>".
-- Distinct users with their own tokens, as real clients are (each thread starts elsewhere).
local requests = {}
local counter = 0

function init(args)
  for line in io.lines(os.getenv("REQUESTS")) do
    local auth, body = line:match("^([^\t]*)\t(.*)$")
    local headers = { ["Content-Type"] = "application/json" }
    if auth ~= "" then
      headers["Authorization"] = auth
    end
    requests[#requests + 1] = wrk.format("POST", nil, headers, body)
  end
  counter = math.random(#requests)
end

function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end
