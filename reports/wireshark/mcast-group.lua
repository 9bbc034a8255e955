-- Wireshark dissector for the group datagrams of iSCSI multicast mirroring
-- (docs/mcast-data-path.md §3): the 24-byte group header with its CRC32C checked, then each
-- whole iSCSI PDU it carries, its Basic Header Segment decoded (opcode, F bit, lengths, LUN, ITT
-- and the fields of a SCSI Command and a Data-Out).
--   tshark -X lua_script:reports/wireshark/mcast-group.lua -r FILE -V
-- (or copy it with mirrorcert-crc32c.lua into Wireshark's personal Lua plugins folder). It takes
-- UDP port 3260 (the group port by default) and finds a datagram on any other UDP port by its
-- magic and version (heuristic "mcgroup_udp").

local MAGIC = 0x4d47          -- "MG", §3
local VERSION = 1
local HDR_LEN = 24
local CRC_OFFSET = 20
local BHS_LEN = 48            -- RFC 7143 11.2
local PAD = 4                 -- data segments are padded to 4 bytes (RFC 7143 11.2.3)
local GROUP_PORT = 3260       -- IANA iscsi-target, the group port's default (§2)

local crc32c = dofile((debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "") .. "mirrorcert-crc32c.lua")

-- RFC 7143 11.1 opcodes (the immediate bit left out); group datagrams carry SCSI Commands and
-- Data-Outs, the rest are named so a wrong one is recognisable.
local opcodes = {
    [0x00] = "NOP-Out", [0x01] = "SCSI Command", [0x02] = "Task Management Request",
    [0x03] = "Login Request", [0x04] = "Text Request", [0x05] = "SCSI Data-Out",
    [0x06] = "Logout Request", [0x10] = "SNACK Request", [0x20] = "NOP-In",
    [0x21] = "SCSI Response", [0x22] = "Task Management Response", [0x23] = "Login Response",
    [0x24] = "Text Response", [0x25] = "SCSI Data-In", [0x26] = "Logout Response",
    [0x31] = "R2T", [0x32] = "Async Message", [0x3f] = "Reject",
}

local proto = Proto("mcgroup", "mirrorcert multicast group datagram")
local hf = {
    magic = ProtoField.uint16("mcgroup.magic", "magic", base.HEX),
    version = ProtoField.uint8("mcgroup.version", "version"),
    reserved = ProtoField.uint8("mcgroup.reserved", "reserved"),
    isid = ProtoField.bytes("mcgroup.isid", "isid"),
    pdu_count = ProtoField.uint16("mcgroup.pdu_count", "pdu_count"),
    gsn = ProtoField.uint32("mcgroup.gsn", "gsn"),
    payload_length = ProtoField.uint32("mcgroup.payload_length", "payload_length"),
    crc32c = ProtoField.uint32("mcgroup.crc32c", "crc32c", base.HEX),
    pdu = ProtoField.bytes("mcgroup.pdu", "PDU"),
    opcode = ProtoField.uint8("mcgroup.pdu.opcode", "opcode", base.HEX, opcodes, 0x3f),
    final = ProtoField.bool("mcgroup.pdu.final", "F", 8, nil, 0x80),
    ahs_length = ProtoField.uint8("mcgroup.pdu.ahs_length", "total_ahs_length"),
    data_length = ProtoField.uint24("mcgroup.pdu.data_length", "data_segment_length"),
    lun = ProtoField.uint64("mcgroup.pdu.lun", "lun", base.HEX),
    itt = ProtoField.uint32("mcgroup.pdu.itt", "itt", base.HEX),
    edtl = ProtoField.uint32("mcgroup.pdu.edtl", "expected_data_transfer_length"),
    cmdsn = ProtoField.uint32("mcgroup.pdu.cmdsn", "cmdsn"),
    cdb = ProtoField.bytes("mcgroup.pdu.cdb", "cdb"),
    ttt = ProtoField.uint32("mcgroup.pdu.ttt", "ttt", base.HEX),
    datasn = ProtoField.uint32("mcgroup.pdu.datasn", "datasn"),
    buffer_offset = ProtoField.uint32("mcgroup.pdu.buffer_offset", "buffer_offset"),
    data = ProtoField.bytes("mcgroup.pdu.data", "data"),
}
proto.fields = hf

local ex = {
    magic = ProtoExpert.new("mcgroup.magic.bad", "not a group datagram of version 1 (magic or version)",
        expert.group.MALFORMED, expert.severity.ERROR),
    crc = ProtoExpert.new("mcgroup.crc.bad", "crc32c does not match the header and payload",
        expert.group.CHECKSUM, expert.severity.ERROR),
    length = ProtoExpert.new("mcgroup.length.bad", "payload_length is not the bytes after the header",
        expert.group.MALFORMED, expert.severity.ERROR),
    count = ProtoExpert.new("mcgroup.count.bad", "pdu_count does not match the PDUs found",
        expert.group.MALFORMED, expert.severity.ERROR),
    truncated = ProtoExpert.new("mcgroup.pdu.truncated", "a PDU runs past the datagram's end",
        expert.group.MALFORMED, expert.severity.ERROR),
}
proto.experts = { ex.magic, ex.crc, ex.length, ex.count, ex.truncated }

local function padded(n)
    return n + (PAD - n % PAD) % PAD
end

-- One PDU at offset of the payload; returns its padded length, or nil when it does not fit.
local function dissect_pdu(tvb, offset, tree)
    local left = tvb:len() - offset
    if left < BHS_LEN then
        return nil
    end
    local ahs = tvb(offset + 4, 1):uint() * 4
    local dlen = tvb(offset + 5, 3):uint()
    local total = BHS_LEN + ahs + padded(dlen)
    if total > left then
        return nil
    end
    local op = bit32 and bit32.band(tvb(offset, 1):uint(), 0x3f) or tvb(offset, 1):uint() % 64
    local name = opcodes[op] or string.format("opcode 0x%02x", op)
    local t = tree:add(hf.pdu, tvb(offset, total))
    t:set_text(string.format("%s, itt 0x%08x, %d data bytes", name, tvb(offset + 16, 4):uint(), dlen))
    t:add(hf.opcode, tvb(offset, 1))
    t:add(hf.final, tvb(offset + 1, 1))
    t:add(hf.ahs_length, tvb(offset + 4, 1))
    t:add(hf.data_length, tvb(offset + 5, 3))
    t:add(hf.lun, tvb(offset + 8, 8))
    t:add(hf.itt, tvb(offset + 16, 4))
    if op == 0x01 then           -- RFC 7143 11.3
        t:add(hf.edtl, tvb(offset + 20, 4))
        t:add(hf.cmdsn, tvb(offset + 24, 4))
        t:add(hf.cdb, tvb(offset + 32, 16))
    elseif op == 0x05 then       -- RFC 7143 11.7
        t:add(hf.ttt, tvb(offset + 20, 4))
        t:add(hf.datasn, tvb(offset + 36, 4))
        t:add(hf.buffer_offset, tvb(offset + 40, 4))
    end
    if dlen > 0 then
        t:add(hf.data, tvb(offset + BHS_LEN + ahs, dlen))
    end
    return total, name
end

function proto.dissector(tvb, pinfo, tree)
    if tvb:len() < HDR_LEN then
        return 0
    end
    pinfo.cols.protocol = "MCGROUP"
    local g = tree:add(proto, tvb(), "Multicast group datagram")
    local magic_item = g:add(hf.magic, tvb(0, 2))
    g:add(hf.version, tvb(2, 1))
    g:add(hf.reserved, tvb(3, 1))
    g:add(hf.isid, tvb(4, 6))
    local count_item = g:add(hf.pdu_count, tvb(10, 2))
    g:add(hf.gsn, tvb(12, 4))
    local length_item = g:add(hf.payload_length, tvb(16, 4))
    local crc_item = g:add(hf.crc32c, tvb(CRC_OFFSET, 4))
    local summary = string.format("gsn %d", tvb(12, 4):uint())
    if tvb(0, 2):uint() ~= MAGIC or tvb(2, 1):uint() ~= VERSION then
        magic_item:add_proto_expert_info(ex.magic)
        pinfo.cols.info:set("[not a group datagram]")
        return tvb:len()
    end
    local plen = tvb(16, 4):uint()
    if plen ~= tvb:len() - HDR_LEN then
        length_item:add_proto_expert_info(ex.length)
        summary = summary .. " [bad length]"
    end
    if crc32c then
        local raw = tvb(0, CRC_OFFSET):raw() .. "\0\0\0\0" .. tvb(HDR_LEN):raw()
        if crc32c(raw) ~= tvb(CRC_OFFSET, 4):uint() then
            crc_item:add_proto_expert_info(ex.crc)
            summary = summary .. " [bad crc]"
        end
    end
    local payload = tvb(HDR_LEN):tvb()
    local offset, found, names = 0, 0, {}
    while offset < payload:len() do
        local len, name = dissect_pdu(payload, offset, g)
        if not len then
            g:add_proto_expert_info(ex.truncated)
            summary = summary .. " [truncated PDU]"
            break
        end
        found = found + 1
        names[#names + 1] = name
        offset = offset + len
    end
    if found ~= tvb(10, 2):uint() then
        count_item:add_proto_expert_info(ex.count)
        summary = summary .. " [bad pdu_count]"
    end
    summary = summary .. ": " .. table.concat(names, ", ")
    g:append_text(", " .. summary)
    pinfo.cols.info:set(summary)
    return tvb:len()
end

local function heuristic(tvb, pinfo, tree)
    if tvb:len() < HDR_LEN or tvb(0, 2):uint() ~= MAGIC or tvb(2, 1):uint() ~= VERSION then
        return false
    end
    proto.dissector(tvb, pinfo, tree)
    return true
end
proto:register_heuristic("udp", heuristic)
DissectorTable.get("udp.port"):add(GROUP_PORT, proto)
