package ipmpd.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Traffic-control requests against bytes laid out by hand from the kernel's structs. */
class TcCodecTest {
    private static final int REQUEST_ACK = 0x1 | 0x4;
    private static final int CREATE_EXCL = 0x400 | 0x200;

    private static ByteBuffer host(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    private static void nlmsghdr(ByteBuffer b, int len, int type, int flags, int seq) {
        b.putInt(len).putShort((short) type).putShort((short) flags).putInt(seq).putInt(0);
    }

    private static void tcmsg(ByteBuffer b, int index, int handle, int parent, int info) {
        b.put((byte) 0).put((byte) 0).putShort((short) 0).putInt(index).putInt(handle).putInt(parent).putInt(info);
    }

    private static void attrHeader(ByteBuffer b, int len, int type) {
        b.putShort((short) len).putShort((short) type);
    }

    /** ETH_P_IP in network order, read as a host-order u16 (what tc puts in tcm_info). */
    private static int ipProtocolField() {
        return ByteBuffer.wrap(new byte[] {0x08, 0x00}).order(ByteOrder.nativeOrder()).getShort() & 0xffff;
    }

    @Test
    void clsactIsCreatedExclusivelyAtTheClsactHandle() {
        ByteBuffer want = host(48);
        nlmsghdr(want, 48, 36, REQUEST_ACK | CREATE_EXCL, 5);
        tcmsg(want, 3, 0xFFFF0000, 0xFFFFFFF1, 0);
        attrHeader(want, 11, 1);
        want.put("clsact\0".getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
        assertArrayEquals(want.array(), TcCodec.addClsact(5, 3));
        byte[] delete = TcCodec.deleteClsact(6, 3);
        assertEquals(37, ByteBuffer.wrap(delete).order(ByteOrder.nativeOrder()).getShort(4));
        assertEquals(REQUEST_ACK, ByteBuffer.wrap(delete).order(ByteOrder.nativeOrder()).getShort(6));
    }

    @Test
    void theInfoFieldHoldsPriorityAndTheProtocolInNetworkOrder() {
        assertEquals((0x1d40 << 16) | ipProtocolField(), TcCodec.info(0x1d40, 0x0800));
    }

    @Test
    void aMirrorFilterNestsSelectorAndMirredAsTcDoes() {
        List<TcCodec.Key> keys = TcCodec.match(16, new byte[] {(byte) 192, 0, 2, 50});
        assertEquals(List.of(new TcCodec.Key(0xc0000232, 0xffffffff, 16)), keys);
        ByteBuffer want = host(140);
        nlmsghdr(want, 140, 44, REQUEST_ACK | CREATE_EXCL, 7);
        tcmsg(want, 3, 0, 0xFFFFFFF2, (0x1d40 << 16) | ipProtocolField());
        attrHeader(want, 8, 1);
        want.put("u32\0".getBytes(StandardCharsets.US_ASCII));
        attrHeader(want, 96, 0x8000 | 2); // TCA_OPTIONS
        attrHeader(want, 36, 5); // TCA_U32_SEL: struct tc_u32_sel, one key
        want.put((byte) 1).put((byte) 0).put((byte) 1).put((byte) 0); // TC_U32_TERMINAL, offshift, nkeys
        want.putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0);
        want.put(new byte[] {-1, -1, -1, -1}).put(new byte[] {(byte) 192, 0, 2, 50}).putInt(16).putInt(0);
        attrHeader(want, 56, 0x8000 | 7); // TCA_U32_ACT
        attrHeader(want, 52, 0x8000 | 1); // the first action
        attrHeader(want, 11, 1); // TCA_ACT_KIND
        want.put("mirred\0".getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
        attrHeader(want, 36, 0x8000 | 2); // TCA_ACT_OPTIONS
        attrHeader(want, 32, 2); // TCA_MIRRED_PARMS: struct tc_mirred
        want.putInt(0).putInt(0).putInt(-1).putInt(0).putInt(0); // tc_gen, action TC_ACT_UNSPEC (continue)
        want.putInt(2).putInt(9); // TCA_EGRESS_MIRROR to ifindex 9
        assertArrayEquals(want.array(), TcCodec.addMirror(7, 3, TcCodec.Hook.INGRESS, 0x1d40, 0x0800, keys, 9));
    }

    @Test
    void deletingFiltersNamesHookAndPriorityOnly() {
        ByteBuffer want = host(36);
        nlmsghdr(want, 36, 45, REQUEST_ACK, 8);
        tcmsg(want, 4, 0, 0xFFFFFFF3, 0x1d41 << 16);
        assertArrayEquals(want.array(), TcCodec.deleteFilters(8, 4, TcCodec.Hook.EGRESS, 0x1d41));
    }

    @Test
    void unalignedMatchesAndPrefixesBecomeMaskedAlignedWords() {
        // An ARP sender address (byte 14): two words, each masked to its half.
        assertEquals(List.of(new TcCodec.Key(0x0000c000, 0x0000ffff, 12), new TcCodec.Key(0x02320000, 0xffff0000, 16)),
                TcCodec.match(14, new byte[] {(byte) 192, 0, 2, 50}));
        // The IPv6 next header (byte 6).
        assertEquals(List.of(new TcCodec.Key(0x00003a00, 0x0000ff00, 4)), TcCodec.match(6, new byte[] {58}));
        // fe80::/10 at the IPv6 source (byte 8).
        assertEquals(List.of(new TcCodec.Key(0xfe800000, 0xffc00000, 8)),
                TcCodec.matchPrefix(8, new byte[] {(byte) 0xfe, (byte) 0x80}, 10));
    }

    @Test
    void aFilterWithoutKeysIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> TcCodec.addMirror(1, 3, TcCodec.Hook.INGRESS, 1, 0x0800, List.of(), 9));
    }

    @Test
    void aFilterDumpAsksForOneHookAndYieldsEachFiltersPriority() {
        ByteBuffer want = host(36);
        nlmsghdr(want, 36, 46, 0x1 | 0x300, 9);
        tcmsg(want, 4, 0, 0xFFFFFFF2, 0);
        assertArrayEquals(want.array(), TcCodec.dumpFilters(9, 4, TcCodec.Hook.INGRESS));
        ByteBuffer reply = host(28);
        tcmsg(reply, 4, 0x800, 0xFFFFFFF2, (1 << 16) | ipProtocolField());
        attrHeader(reply, 8, 1);
        reply.put("u32\0".getBytes(StandardCharsets.US_ASCII));
        reply.flip();
        assertEquals(1, TcCodec.decodeFilterPriority(reply));
    }
}
