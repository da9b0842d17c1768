package ipmpd.linux;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** One netlink message: its header and a host-order view of its payload (position 0). */
record NlMessage(NlHeader header, ByteBuffer payload) {

    /**
     * Splits a datagram into messages. Never throws: a header that is too short or claims more
     * bytes than remain ends the split (the rest of the datagram cannot be framed) and is counted.
     *
     * @param malformed incremented once per unframeable tail (array of length 1, may be null)
     */
    static List<NlMessage> split(byte[] datagram, int length, long[] malformed) {
        List<NlMessage> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(datagram, 0, Math.min(length, datagram.length)).order(Bytes.HOST);
        while (b.remaining() >= NlHeader.SIZE) {
            int start = b.position();
            NlHeader h = NlHeader.read(b);
            if (h.length() < NlHeader.SIZE || h.length() > b.limit() - start) {
                if (malformed != null) {
                    malformed[0]++;
                }
                return out;
            }
            ByteBuffer payload = b.duplicate();
            payload.limit(start + h.length());
            out.add(new NlMessage(h, payload.slice().order(Bytes.HOST)));
            int next = start + NlHeader.align(h.length());
            b.position(Math.min(next, b.limit()));
        }
        if (b.remaining() > 0 && malformed != null) {
            malformed[0]++;
        }
        return out;
    }
}
