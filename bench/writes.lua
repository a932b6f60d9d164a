-- wrk script: the newsroom's writes while readers read. Alternately creates a published article and
-- patches a random existing one (its lede), as an admin. Usage:
-- wrk -s bench/writes.lua URL -- TOKEN FILE_OF_ARTICLE_PATHS
local token, slugs, n = nil, {}, 0

function init(args)
  token = args[1]
  for line in io.lines(args[2]) do
    slugs[#slugs + 1] = line
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  n = n + 1
  local headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }
  local tag = tostring({}):sub(8)
  if n % 2 == 1 then
    local body = string.format(
      '{"title":"Dépêche %s-%d : le marché de Rood Woko rouvre","body":"Les commerçants ont retrouvé leurs étals ce matin. La mairie promet des travaux.","rubrique":"economie","tags":["marché","Ouagadougou"],"source":"synthétique","status":"published"}',
      tag, n)
    return wrk.format("POST", "/v1/articles", headers, body)
  end
  local body = string.format('{"lede":"Mis à jour %s-%d."}', tag, n)
  return wrk.format("PATCH", slugs[math.random(#slugs)], headers, body)
end

function response(status, headers, body)
  if status >= 400 and status ~= 409 and status ~= 412 then
    io.stderr:write("write answered " .. status .. ": " .. body:sub(1, 200) .. "\n")
  end
end
