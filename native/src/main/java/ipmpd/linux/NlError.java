package ipmpd.linux;

import java.nio.ByteBuffer;

/**
 * An NLMSG_ERROR payload: a negative errno (0 = ACK), the echoed request header, and with
 * NETLINK_EXT_ACK the kernel's own explanation (NLMSGERR_ATTR_MSG), e.g. "Nexthop has invalid gateway".
 */
record NlError(int errno, String message) {

    static NlError decode(NlMessage msg) {
        ByteBuffer b = msg.payload().duplicate().order(Bytes.HOST);
        if (b.remaining() < 4) {
            return new NlError(Errno.EINVAL, "truncated netlink error");
        }
        int err = -b.getInt();
        String text = null;
        if ((msg.header().flags() & Rtnl.NLM_F_ACK_TLVS) != 0 && b.remaining() >= NlHeader.SIZE) {
            int start = b.position();
            int origLen = b.getInt(start);
            int skip = (msg.header().flags() & Rtnl.NLM_F_CAPPED) != 0 ? NlHeader.SIZE : NlHeader.align(origLen);
            if (skip >= NlHeader.SIZE && start + skip <= b.limit()) {
                b.position(start + skip);
                text = RtAttrs.parse(b).string(Rtnl.NLMSGERR_ATTR_MSG);
            }
        }
        return new NlError(err, text);
    }
}
