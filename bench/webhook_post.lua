-- SPDX-License-Identifier: MIT
-- webhook_post.lua: the wrk script of bench/webhook_throughput.sh and bench/redis_throughput.sh.
-- POST a message_inbound webhook; MODE=unique gives every request its own webhook_id.
-- PREFIX tells apart the ids of several wrk processes run at once.
local mode = os.getenv("MODE") or "unique"
local prefix = os.getenv("PREFIX") and ("bench-" .. os.getenv("PREFIX") .. "-") or "bench-"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "bench-secret"
wrk.headers["User-Agent"] = "LoopMessage"
local template = '{"event":"message_inbound","webhook_id":"%s","api_version":"1.0",' ..
  '"message_id":"c0a8e3f1-5d2b-4a7e-8f19-6b3d2e1a9c05","contact":"+14155550142",' ..
  '"text":"Are you open on Saturday?","message_type":"text","channel":"imessage",' ..
  '"sender":"5e9b7c3a-1f24-4d8e-b6a0-93c1d7e2f418",' ..
  '"language":{"code":"en","name":"English"}}'
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local n = 0
function init(args)
  n = 0
  if mode ~= "unique" then
    wrk.body = string.format(template, "7f1c2a9e-4b6d-4e0a-9c3b-2d8e5f6a1b74")
  end
end
if mode == "unique" then
  request = function()
    n = n + 1
    return wrk.format(nil, nil, nil, string.format(template, prefix .. tid .. "-" .. n))
  end
end
