-- CRC32C for the mirrorcert Wireshark dissectors (vsan-link.lua, mcast-group.lua), loaded by them
-- from their own folder: RFC 7143 Appendix B's CRC, reflected generator 0x82F63B78, register
-- starting at all ones, result inverted. Returns the function crc32c(string) -> number, or nil
-- when this Lua has no bit32 (Lua 5.2's), in which case the dissectors show CRCs unchecked.
if not bit32 then
    return nil
end
local CRC32C_POLY = 0x82F63B78
local crc_table = {}
for i = 0, 255 do
    local c = i
    for _ = 1, 8 do
        if bit32.band(c, 1) == 1 then
            c = bit32.bxor(bit32.rshift(c, 1), CRC32C_POLY)
        else
            c = bit32.rshift(c, 1)
        end
    end
    crc_table[i] = c
end

return function(s)
    local c = 0xFFFFFFFF
    for i = 1, #s do
        c = bit32.bxor(crc_table[bit32.band(bit32.bxor(c, s:byte(i)), 0xFF)], bit32.rshift(c, 8))
    end
    return bit32.bnot(c)
end
