-- wrk script: each request takes a random line of a file of paths (random keys, not one URL a
-- cache holds). Usage: wrk -s bench/paths.lua URL -- FILE
local paths = {}

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  -- Each wrk thread gets its own sequence.
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
