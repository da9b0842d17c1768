package ipmpd.linux;

/** What {@link RtnetlinkMonitor} reports. */
public sealed interface RtEvent {

    /** NEW also covers changes of an existing object (the kernel sends RTM_NEW* for both). */
    enum Kind { NEW, DEL }

    record Link(Kind kind, LinkInfo info) implements RtEvent {
    }

    record Address(Kind kind, AddrInfo info) implements RtEvent {
    }

    record Route(Kind kind, RouteInfo info) implements RtEvent {
    }

    /**
     * The socket's receive buffer overflowed (ENOBUFS): events were lost, so the caller must dump
     * links, addresses and routes again and treat the dump as the truth.
     */
    record ResyncNeeded() implements RtEvent {
    }
}
