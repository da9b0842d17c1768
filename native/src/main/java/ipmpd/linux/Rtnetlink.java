package ipmpd.linux;

import static ipmpd.linux.Rtnl.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Request/response rtnetlink: dumps and changes of links, addresses, routes and rules, each
 * request acknowledged by the kernel and a failure raised as a {@link NativeIOException} with the
 * errno and, where the kernel gives one, its extended-ack message.
 *
 * <p>Events are deliberately read on a different socket ({@link RtnetlinkMonitor}), so replies and
 * multicast notifications never interleave. Works in the network namespace of the thread that
 * opened it. Thread-safe: one request at a time.
 */
public final class Rtnetlink implements AutoCloseable {
    private static final int REPLY_TIMEOUT_MS = 5000;
    private static final int DUMP_ATTEMPTS = 3;
    private final NetlinkSocket sock;
    private int seq = (int) (System.nanoTime() & 0x3fffffff);
    private long skipped;

    private Rtnetlink(NetlinkSocket sock) {
        this.sock = sock;
    }

    public static Rtnetlink open() throws IOException {
        NetlinkSocket s = NetlinkSocket.open(0, false);
        try {
            s.setReceiveTimeout(REPLY_TIMEOUT_MS);
            s.setReceiveBuffer(1 << 20);
            // Table dumps then cost the size of the table, not of all tables (the member tables
            // of a large host hold thousands of routes); older kernels dump all, filtered here.
            s.setStrictCheck();
        } catch (NativeIOException e) {
            s.close();
            throw e;
        }
        return new Rtnetlink(s);
    }

    public synchronized List<LinkInfo> dumpLinks() throws IOException {
        return dump(LinkCodec::dumpRequest, LinkCodec::decode, "dump links");
    }

    /** Every link's counters and the attributes IF-MIB shows (one dump). */
    public synchronized List<LinkStatistics> dumpLinkStatistics() throws IOException {
        return dump(LinkCodec::dumpRequest, LinkCodec::decodeStatistics, "dump link statistics");
    }

    /**
     * One link by index, empty if there is none. Asking for it makes the kernel flush pending
     * carrier changes first (linkwatch may otherwise delay them by up to a second).
     */
    public synchronized Optional<LinkInfo> getLink(int index) throws IOException {
        int s = nextSeq();
        try {
            List<LinkInfo> l = exchange(LinkCodec.getRequest(s, index), s, LinkCodec::decode, "get link " + index).items;
            return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
        } catch (NativeIOException e) {
            if (e.errno() == Errno.ENODEV) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Sets a link administratively up or down (IFF_UP only; ip link set IF up|down). */
    public synchronized void setLinkUp(int index, boolean up) throws IOException {
        int s = nextSeq();
        exchange(LinkCodec.setUpRequest(s, index, up), s, null, "set link " + index + (up ? " up" : " down"));
    }

    /**
     * Creates a virtual device of {@code kind} (dummy, ifb, ...) named {@code name}; EEXIST if a
     * link of that name exists, EOPNOTSUPP if the kernel has no such kind.
     */
    public synchronized void createLink(String name, String kind) throws IOException {
        int s = nextSeq();
        exchange(LinkCodec.createRequest(s, name, kind), s, null, "create link " + name + " type " + kind);
    }

    /** Sets a link's alias (IFLA_IFALIAS). */
    public synchronized void setLinkAlias(int index, String alias) throws IOException {
        int s = nextSeq();
        exchange(LinkCodec.setAliasRequest(s, index, alias), s, null, "set alias of link " + index);
    }

    /** Deletes a (virtual) link; ENODEV if there is none. */
    public synchronized void deleteLink(int index) throws IOException {
        int s = nextSeq();
        exchange(LinkCodec.deleteRequest(s, index), s, null, "delete link " + index);
    }

    /** Adds (or replaces) a proxy neighbour entry. */
    public synchronized void addProxyNeighbour(ProxyNeighbour p) throws IOException {
        int s = nextSeq();
        exchange(NeighCodec.request(s, true, p), s, null,
                "add proxy " + p.address().getHostAddress() + " ifindex " + p.index());
    }

    /** Deletes a proxy neighbour entry; ENOENT if there is none. */
    public synchronized void deleteProxyNeighbour(ProxyNeighbour p) throws IOException {
        int s = nextSeq();
        exchange(NeighCodec.request(s, false, p), s, null,
                "delete proxy " + p.address().getHostAddress() + " ifindex " + p.index());
    }

    /** The proxy neighbour entries of one family (AF_INET or AF_INET6). */
    public synchronized List<ProxyNeighbour> dumpProxyNeighbours(int family) throws IOException {
        return dump(s -> NeighCodec.dumpRequest(s, family), NeighCodec::decode, "dump proxy neighbours");
    }

    /** Addresses of both families. */
    public synchronized List<AddrInfo> dumpAddresses() throws IOException {
        return dumpAddresses(LibC.AF_UNSPEC);
    }

    /** @param family AF_INET, AF_INET6 or AF_UNSPEC for both */
    public synchronized List<AddrInfo> dumpAddresses(int family) throws IOException {
        return dump(s -> AddrCodec.dumpRequest(s, family), AddrCodec::decode, "dump addresses");
    }

    /** Routes of both families in the main table. */
    public synchronized List<RouteInfo> dumpRoutes() throws IOException {
        List<RouteInfo> out = new ArrayList<>(dumpRoutes(LibC.AF_INET, RT_TABLE_MAIN));
        out.addAll(dumpRoutes(LibC.AF_INET6, RT_TABLE_MAIN));
        return out;
    }

    /**
     * Routes of one family in one table (the kernel walks only that table where it can filter;
     * the result is filtered here as well). A table that does not exist yet is empty.
     */
    public synchronized List<RouteInfo> dumpRoutes(int family, int table) throws IOException {
        List<RouteInfo> out = new ArrayList<>();
        List<RouteInfo> all;
        try {
            all = dump(s -> RouteCodec.dumpRequest(s, family, table), RouteCodec::decode, "dump routes");
        } catch (NativeIOException e) {
            if (e.errno() == Errno.ENOENT) {
                return out; // "FIB table does not exist"
            }
            throw e;
        }
        for (RouteInfo r : all) {
            if (r.table() == table) {
                out.add(r);
            }
        }
        return out;
    }

    public synchronized List<RuleInfo> dumpRules(int family) throws IOException {
        return dump(s -> RuleCodec.dumpRequest(s, family), RuleCodec::decode, "dump rules");
    }

    /** Adds an address; EEXIST if it is already there. IPv4 labels must start with the interface name. */
    public synchronized void addAddress(AddrInfo a) throws IOException {
        int s = nextSeq();
        exchange(AddrCodec.request(s, true, a), s, null, "add address " + describe(a));
    }

    /** Deletes an address (matched by address, prefix length, interface and, if given, label). */
    public synchronized void deleteAddress(AddrInfo a) throws IOException {
        int s = nextSeq();
        exchange(AddrCodec.request(s, false, a), s, null, "delete address " + describe(a));
    }

    /** Adds a route; EEXIST if an identical one exists. */
    public synchronized void addRoute(RouteInfo r) throws IOException {
        routeRequest(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r, "add route ");
    }

    /** Adds or replaces the route with the same destination, table and metric. */
    public synchronized void replaceRoute(RouteInfo r) throws IOException {
        routeRequest(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r, "replace route ");
    }

    /** Adds or replaces a route whose next hops are nexthop object {@code nexthopId} (its own are ignored). */
    public synchronized void replaceRoute(RouteInfo r, int nexthopId) throws IOException {
        int s = nextSeq();
        exchange(RouteCodec.request(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r, nexthopId), s, null,
                "replace route " + r.dst().getHostAddress() + "/" + r.dstLen() + " nhid " + nexthopId);
    }

    /** Creates or replaces nexthop object {@code id}: through {@code oif}, via {@code gateway} if not null. */
    public synchronized void putNexthop(int id, int family, int oif, java.net.InetAddress gateway, boolean onlink)
            throws IOException {
        int s = nextSeq();
        exchange(NexthopCodec.single(s, id, family, oif, gateway, onlink), s, null, "put nexthop " + id);
    }

    /** Creates or replaces nexthop group {@code id} (multipath, equal weights) of existing nexthop objects. */
    public synchronized void putNexthopGroup(int id, List<Integer> members) throws IOException {
        int s = nextSeq();
        exchange(NexthopCodec.group(s, id, members), s, null, "put nexthop group " + id);
    }

    /** Deletes nexthop object {@code id} (and with it the routes using it); ENOENT if there is none. */
    public synchronized void deleteNexthop(int id) throws IOException {
        int s = nextSeq();
        exchange(NexthopCodec.delete(s, id), s, null, "delete nexthop " + id);
    }

    /**
     * Deletes a route. Fields set in {@code r} must match (protocol too, unless RTPROT_UNSPEC);
     * ESRCH if there is no such route.
     */
    public synchronized void deleteRoute(RouteInfo r) throws IOException {
        routeRequest(RTM_DELROUTE, 0, r, "delete route ");
    }

    /** Adds a policy rule; EEXIST if an identical one exists. */
    public synchronized void addRule(RuleInfo r) throws IOException {
        int s = nextSeq();
        exchange(RuleCodec.request(s, true, r), s, null, "add rule " + r);
    }

    public synchronized void deleteRule(RuleInfo r) throws IOException {
        int s = nextSeq();
        exchange(RuleCodec.request(s, false, r), s, null, "delete rule " + r);
    }

    /** Creates the clsact qdisc of a link ({@code tc qdisc add dev IF clsact}); EEXIST if it has one. */
    public synchronized void addClsact(int index) throws IOException {
        int s = nextSeq();
        exchange(TcCodec.addClsact(s, index), s, null, "add clsact qdisc to link " + index);
    }

    /** Deletes the clsact qdisc of a link with all its filters; ENOENT/EINVAL if it has none. */
    public synchronized void deleteClsact(int index) throws IOException {
        int s = nextSeq();
        exchange(TcCodec.deleteClsact(s, index), s, null, "delete clsact qdisc of link " + index);
    }

    /**
     * Adds a u32 filter at {@code prio} of a clsact hook of link {@code index} that mirrors the
     * packets of {@code ethProtocol} matching all {@code keys} to link {@code mirrorTo}.
     */
    public synchronized void addMirrorFilter(int index, TcCodec.Hook hook, int prio, int ethProtocol,
                                             List<TcCodec.Key> keys, int mirrorTo) throws IOException {
        int s = nextSeq();
        exchange(TcCodec.addMirror(s, index, hook, prio, ethProtocol, keys, mirrorTo), s, null,
                "add mirror filter to " + hook.name().toLowerCase() + " of link " + index);
    }

    /** The priorities of the filters on a clsact hook of link {@code index} (one per filter message). */
    public synchronized List<Integer> filterPriorities(int index, TcCodec.Hook hook) throws IOException {
        return dump(s -> TcCodec.dumpFilters(s, index, hook), TcCodec::decodeFilterPriority,
                "dump filters of " + hook.name().toLowerCase() + " of link " + index);
    }

    /** Deletes every filter at {@code prio} of a clsact hook of link {@code index}; ENOENT if none. */
    public synchronized void deleteFilters(int index, TcCodec.Hook hook, int prio) throws IOException {
        int s = nextSeq();
        exchange(TcCodec.deleteFilters(s, index, hook, prio), s, null,
                "delete filters at priority " + prio + " of " + hook.name().toLowerCase() + " of link " + index);
    }

    /** Messages of a reply that could not be decoded and were left out. */
    public synchronized long skippedMessages() {
        return skipped;
    }

    @Override
    public void close() {
        sock.close();
    }

    private void routeRequest(int type, int flags, RouteInfo r, String what) throws IOException {
        int s = nextSeq();
        String via = r.gateway() == null ? "" : " via " + r.gateway().getHostAddress();
        exchange(RouteCodec.request(s, type, flags, r), s, null, what + r.dst().getHostAddress() + "/" + r.dstLen() + via);
    }

    private static String describe(AddrInfo a) {
        return a.address().getHostAddress() + "/" + a.prefixLen() + " ifindex " + a.index();
    }

    private int nextSeq() {
        seq = (seq + 1) & 0x7fffffff;
        return seq;
    }

    /** A dump, repeated when the kernel marks it interrupted (the table changed while being read). */
    private <T> List<T> dump(IntFunction<byte[]> request, Function<ByteBuffer, T> decoder, String what)
            throws IOException {
        for (int attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
            int s = nextSeq();
            Reply<T> r = exchange(request.apply(s), s, decoder, what);
            if (!r.interrupted) {
                return r.items;
            }
        }
        throw new IOException(what + ": dump interrupted " + DUMP_ATTEMPTS + " times by concurrent changes");
    }

    private static final class Reply<T> {
        final List<T> items = new ArrayList<>();
        boolean interrupted;
    }

    /**
     * Sends one request and reads until its end: NLMSG_DONE for a dump, NLMSG_ERROR (0 = ACK) for
     * everything else. Messages with another sequence number (late replies) are ignored.
     */
    private <T> Reply<T> exchange(byte[] request, int s, Function<ByteBuffer, T> decoder, String what)
            throws IOException {
        sock.send(request);
        Reply<T> reply = new Reply<>();
        long[] malformed = new long[1];
        while (true) {
            byte[] d;
            try {
                d = sock.receive();
            } catch (NativeIOException e) {
                if (e.errno() == Errno.ENOBUFS) {
                    reply.interrupted = true; // part of the reply was dropped: redo if it is a dump
                    continue;
                }
                throw e;
            }
            if (d == null) {
                throw new IOException(what + ": no reply from the kernel within " + REPLY_TIMEOUT_MS + " ms");
            }
            for (NlMessage m : NlMessage.split(d, d.length, malformed)) {
                if (m.header().seq() != s) {
                    continue;
                }
                int type = m.header().type();
                if (type == NLMSG_ERROR) {
                    NlError err = NlError.decode(m);
                    if (err.errno() != 0) {
                        throw new NativeIOException(what, err.errno(), err.message());
                    }
                    return reply;
                }
                if (type == NLMSG_DONE) {
                    ByteBuffer p = m.payload();
                    if (p.remaining() >= 4 && p.getInt(0) < 0) {
                        throw new NativeIOException(what, -p.getInt(0), NlError.decode(m).message());
                    }
                    if ((m.header().flags() & NLM_F_DUMP_INTR) != 0) {
                        reply.interrupted = true;
                    }
                    return reply;
                }
                if ((m.header().flags() & NLM_F_DUMP_INTR) != 0) {
                    reply.interrupted = true;
                }
                if (decoder != null && type != NLMSG_NOOP) {
                    T item = null;
                    try {
                        item = decoder.apply(m.payload());
                    } catch (RuntimeException e) {
                        skipped++;
                    }
                    if (item != null) {
                        reply.items.add(item);
                    }
                }
            }
            skipped += malformed[0];
            malformed[0] = 0;
        }
    }
}
