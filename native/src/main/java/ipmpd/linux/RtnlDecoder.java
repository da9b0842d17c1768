package ipmpd.linux;

import static ipmpd.linux.Rtnl.*;

/** Turns rtnetlink messages into {@link RtEvent}s. Never throws. */
final class RtnlDecoder {
    private RtnlDecoder() {
    }

    /** @return the event, or null for a message this library does not model or cannot decode */
    static RtEvent event(NlMessage m) {
        int type = m.header().type();
        try {
            switch (type) {
                case RTM_NEWLINK:
                case RTM_DELLINK: {
                    LinkInfo li = LinkCodec.decode(m.payload());
                    return li == null ? null : new RtEvent.Link(kind(type, RTM_NEWLINK), li);
                }
                case RTM_NEWADDR:
                case RTM_DELADDR: {
                    AddrInfo ai = AddrCodec.decode(m.payload());
                    return ai == null ? null : new RtEvent.Address(kind(type, RTM_NEWADDR), ai);
                }
                case RTM_NEWROUTE:
                case RTM_DELROUTE: {
                    RouteInfo ri = RouteCodec.decode(m.payload());
                    return ri == null ? null : new RtEvent.Route(kind(type, RTM_NEWROUTE), ri);
                }
                default:
                    return null;
            }
        } catch (RuntimeException e) {
            return null; // truncated fixed struct or similar: skip, the caller counts it
        }
    }

    private static RtEvent.Kind kind(int type, int newType) {
        return type == newType ? RtEvent.Kind.NEW : RtEvent.Kind.DEL;
    }
}
