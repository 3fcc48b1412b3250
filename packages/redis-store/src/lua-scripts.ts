import { createHash } from 'node:crypto';

/** A Lua script and its SHA-1, for `EVALSHA` with an `EVAL` fallback on `NOSCRIPT`. */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha1: string;
}

function script(name: string, source: string): LuaScript {
  return Object.freeze({ name, source, sha1: createHash('sha1').update(source).digest('hex') });
}

/**
 * Stores a ticket and enforces the per-subject cap, atomically (one round trip per issue).
 *
 * KEYS[1] ticket key (`<prefix><sha256>`), KEYS[2] the subject's sorted set (`<prefix>s:<subject>`).
 * ARGV[1] record JSON, ARGV[2] ttl ms, ARGV[3] score (issuedAt), ARGV[4] member (the SHA-256 key),
 * ARGV[5] maxPerSubject, ARGV[6] prefix.
 *
 * Returns 1 when stored, 0 when the key already exists (nothing is changed then).
 * Only when the set is full: members whose ticket is gone (expired, deleted behind the store's
 * back) are pruned first, so they never count against the cap; then the oldest live tickets are
 * dropped (key and member) until one more fits. The set expires with its longest-lived ticket.
 * Writes only deterministic commands, so it replicates on every Redis version that has `EVAL`.
 */
export const PUT_TICKET_SCRIPT = script(
  'put-ticket',
  `
if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  return 0
end
local max = tonumber(ARGV[5])
if redis.call('ZCARD', KEYS[2]) >= max then
  local members = redis.call('ZRANGE', KEYS[2], 0, -1)
  local count = #members
  for i = 1, #members do
    if redis.call('EXISTS', ARGV[6] .. members[i]) == 0 then
      redis.call('ZREM', KEYS[2], members[i])
      count = count - 1
    end
  end
  while count >= max do
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
    redis.call('ZREM', KEYS[2], oldest)
    redis.call('DEL', ARGV[6] .. oldest)
    count = count - 1
  end
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
local ttl = tonumber(ARGV[2])
if redis.call('PTTL', KEYS[2]) < ttl then
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return 1
`.trim(),
);

/**
 * The take of a ticket, shared by the take scripts: GET and DEL atomically, and the member leaves
 * its subject's set, whose name is read from the record. Returns the value (false when there is
 * none) and the record's subject (nil when the record has no string `subject`: the value is still
 * taken, the set left alone).
 */
const TAKE_TICKET_FUNCTION = `
local function takeTicket(key, subjectSets, member)
  local value = redis.call('GET', key)
  if not value then
    return false, nil
  end
  redis.call('DEL', key)
  local ok, record = pcall(cjson.decode, value)
  if ok and type(record) == 'table' and type(record.subject) == 'string' then
    redis.call('ZREM', subjectSets .. record.subject, member)
    return value, record.subject
  end
  return value, nil
end`;

/**
 * Take-once in one round trip: GET and DEL atomically (the semantics of `GETDEL`, on every
 * Redis version with `EVAL`), and the member leaves its subject's set, whose name is read from
 * the record itself. A record that is not JSON with a string `subject` is still taken (the
 * store refuses it); only the set is left alone then (the next put of that subject prunes it).
 *
 * KEYS[1] ticket key. ARGV[1] prefix of the subject sets (`<prefix>s:`), ARGV[2] member (the
 * SHA-256 key). Returns the value, or nil.
 */
export const TAKE_TICKET_SCRIPT = script(
  'take-ticket',
  `${TAKE_TICKET_FUNCTION}
local value = takeTicket(KEYS[1], ARGV[1], ARGV[2])
return value`.trim(),
);

/**
 * Publishes a revocation and appends it to the revocation stream, atomically (one round trip):
 * an instance that misses the message on the channel finds it in the stream when it is back.
 *
 * KEYS[1] the stream. ARGV[1] channel, ARGV[2] message JSON (an object), ARGV[3] most entries
 * kept (`MAXLEN ~`), ARGV[4] longest age kept in ms (`MINID ~`, from the new entry's time).
 * The stream entry holds the message as field `m`; what is published is the same message with
 * `"entry":"<id>"` added, so subscribers know which entry they already applied.
 * The stream expires when no revocation was published for the longest age (it holds nothing
 * useful then). Returns `{ entry id, receivers }`. Needs Redis ≥ 6.2 (`MINID`).
 */
export const PUBLISH_REVOCATION_SCRIPT = script(
  'publish-revocation',
  `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'm', ARGV[2])
local ms = tonumber(string.match(id, '^(%d+)-'))
local oldest = ms - tonumber(ARGV[4])
if oldest > 0 then
  redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%.0f', oldest))
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local published = string.sub(ARGV[2], 1, -2) .. ',"entry":"' .. id .. '"}'
return { id, redis.call('PUBLISH', ARGV[1], published) }
`.trim(),
);

/**
 * The slot acquisition both slot scripts share (Lua source, a local function): sums a subject's
 * and an address's slots over the live instances (an instance whose hash is gone is dropped from
 * the set as it is read) and takes one only under both caps. Each instance keeps its own counts
 * in a hash that expires unless its heartbeat refreshes it, so a dead instance's slots vanish by
 * themselves. Returns 0 (taken), 10 (taken, and this instance's hash had to be created: its
 * other slots, if any, were lost and must be written again), 1 (subject cap), 2 (address cap).
 */
const ACQUIRE_SLOT_FUNCTION = `
local function acquireSlot(set, own, id, prefix, subjectField, maxSubject, addressField, maxAddress, ttl)
  local hasAddress = addressField ~= ''
  local subject, address = 0, 0
  local ownCounted = false
  local function count(key)
    subject = subject + (tonumber(redis.call('HGET', key, subjectField)) or 0)
    if hasAddress then address = address + (tonumber(redis.call('HGET', key, addressField)) or 0) end
  end
  for _, other in ipairs(redis.call('SMEMBERS', set)) do
    local key = prefix .. other
    if other == id then
      count(key)
      ownCounted = true
    elseif redis.call('EXISTS', key) == 0 then
      redis.call('SREM', set, other)
    else
      count(key)
    end
  end
  if not ownCounted then count(own) end
  if subject >= tonumber(maxSubject) then return 1 end
  if hasAddress and address >= tonumber(maxAddress) then return 2 end
  local existed = redis.call('EXISTS', own)
  redis.call('HINCRBY', own, subjectField, 1)
  if hasAddress then redis.call('HINCRBY', own, addressField, 1) end
  redis.call('PEXPIRE', own, ttl)
  redis.call('SADD', set, id)
  if existed == 0 then return 10 end
  return 0
end
`.trim();

/**
 * Takes a connection slot for a subject and an address if the cluster-wide counts are under
 * their caps (one round trip; see `ACQUIRE_SLOT_FUNCTION` for the replies).
 *
 * KEYS[1] the instance set, KEYS[2] this instance's hash. ARGV[1] instance id, ARGV[2] prefix
 * of the instance hashes, ARGV[3] subject field, ARGV[4] max per subject, ARGV[5] address field
 * (`''` for none), ARGV[6] max per address, ARGV[7] hash ttl ms.
 */
export const ACQUIRE_SLOT_SCRIPT = script(
  'acquire-slot',
  `${ACQUIRE_SLOT_FUNCTION}
return acquireSlot(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])`,
);

/**
 * Take-once of a ticket and, in the same round trip, a connection slot for the record's subject
 * (the take of {@link TAKE_TICKET_SCRIPT}, then the acquisition of {@link ACQUIRE_SLOT_SCRIPT}).
 *
 * KEYS[1] ticket key, KEYS[2] the instance set, KEYS[3] this instance's hash. ARGV[1] prefix of
 * the subject sets, ARGV[2] member (the SHA-256 key), ARGV[3] instance id, ARGV[4] prefix of the
 * instance hashes, ARGV[5] max per subject, ARGV[6] address field (`''` for none), ARGV[7] max
 * per address, ARGV[8] hash ttl ms.
 * Returns nil (no ticket), or `{ value, slot }`: slot as from the acquisition, or -1 when the
 * record has no subject to count (no slot taken).
 */
export const TAKE_TICKET_WITH_SLOT_SCRIPT = script(
  'take-ticket-with-slot',
  `${ACQUIRE_SLOT_FUNCTION}
${TAKE_TICKET_FUNCTION}
local value, subject = takeTicket(KEYS[1], ARGV[1], ARGV[2])
if not value then
  return false
end
if not subject then
  return { value, -1 }
end
return { value, acquireSlot(KEYS[2], KEYS[3], ARGV[3], ARGV[4], 's:' .. subject, ARGV[5], ARGV[6], ARGV[7], ARGV[8]) }`,
);

/**
 * Gives back one connection slot of this instance (a field that reaches 0 is deleted, and with
 * the last one the hash). KEYS[1] this instance's hash. ARGV[1] subject field, ARGV[2] address
 * field (`''` for none). Returns 1, or 0 when the hash was gone (its counts must be written again).
 */
export const RELEASE_SLOT_SCRIPT = script(
  'release-slot',
  `
local existed = redis.call('EXISTS', KEYS[1])
local function release(field)
  if redis.call('HINCRBY', KEYS[1], field, -1) <= 0 then redis.call('HDEL', KEYS[1], field) end
end
release(ARGV[1])
if ARGV[2] ~= '' then release(ARGV[2]) end
return existed
`.trim(),
);

/**
 * The heartbeat of an instance's slots: keeps its hash alive. KEYS[1] the instance set, KEYS[2]
 * this instance's hash. ARGV[1] instance id, ARGV[2] hash ttl ms. Returns 1, or 0 when the hash
 * was gone (expired while the instance was cut off, or empty).
 */
export const REFRESH_SLOTS_SCRIPT = script(
  'refresh-slots',
  `
if redis.call('PEXPIRE', KEYS[2], ARGV[2]) == 0 then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
`.trim(),
);

/**
 * Writes an instance's slot counts again, as the instance knows them (after its hash expired or
 * a command's outcome was unknown). KEYS[1] the instance set, KEYS[2] this instance's hash.
 * ARGV[1] instance id, ARGV[2] hash ttl ms, then field, count pairs. Returns 1.
 */
export const RESYNC_SLOTS_SCRIPT = script(
  'resync-slots',
  `
redis.call('DEL', KEYS[2])
if #ARGV < 4 then return 1 end
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
return 1
`.trim(),
);

/**
 * Counts one refused ticket presentation of an address, in a fixed window that starts with its
 * first refusal. KEYS[1] the address's counter. ARGV[1] window ms. Returns the count.
 */
export const COUNT_REFUSAL_SCRIPT = script(
  'count-refusal',
  `
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
`.trim(),
);
