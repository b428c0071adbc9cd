-- wrk script for scripts/bench-webhooks: every request is a signed
-- workflow_job delivery with its own X-GitHub-Delivery, cycling through the
-- pre-signed payloads of args[1] (lines of "<signature>\t<body>").
local threads = {}

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    deliveries = {}
    for line in io.lines(args[1]) do
        local tab = line:find("\t", 1, true)
        table.insert(deliveries, { line:sub(1, tab - 1), line:sub(tab + 1) })
    end
    counter = 0
end

function request()
    counter = counter + 1
    local d = deliveries[(counter - 1) % #deliveries + 1]
    local headers = {
        ["Content-Type"] = "application/json",
        ["X-GitHub-Event"] = "workflow_job",
        ["X-GitHub-Delivery"] = string.format("bench-%d-%d", tid, counter),
        ["X-Hub-Signature-256"] = d[1],
    }
    return wrk.format("POST", "/v1/webhooks/github", headers, d[2])
end
