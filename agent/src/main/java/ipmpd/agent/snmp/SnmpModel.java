package ipmpd.agent.snmp;

import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.EngineSnapshot.AddressInfo;
import ipmpd.engine.EngineSnapshot.GroupInfo;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.ProbeStatistics;
import org.snmp4j.agent.request.Request;
import org.snmp4j.smi.OID;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What the SNMP face reads: one {@link View} per request (pinned to the request when the PDU is
 * first looked at, shared by all its variable bindings), plus the few things the agent itself
 * keeps: group indexes (IpmpGroupId: stable while a group exists), rows created with
 * createAndWait and not yet active, ipmpNotificationsEnabled, and the time stamps the engine does
 * not keep (last change of the whole module, of addresses, counter discontinuities).
 * <p>
 * A view, and the rows derived from it, is kept until the engine's model generation or the
 * agent's own state changes ({@link EngineReads#modelGeneration()}, read without the engine's
 * thread): a failover is visible in the next request, and requests in between cost no engine
 * round trip. Probe statistics (counters, round-trip times) change with every probe, so they are
 * not part of the view: a request that reads one gets them from a {@link Statistics} of its own,
 * which reads what the engine's thread publishes for other threads ({@code EnginePublisher}), also
 * without an engine round trip.
 */
final class SnmpModel implements LiveObjects.Views {
    private static final Object VIEW_KEY = new Object();

    /** A group row created with createAndWait (notReady until it has a name, then notInService). */
    record PendingGroup(String name) {
    }

    /** A configured target row created with createAndWait (notInService). */
    record PendingTarget(long groupIndex, InetAddress address) {
    }

    private static final Object STATISTICS_KEY = new Object();

    /** The engine as the agent reads it. */
    interface EngineReads {
        /** {@code Engine.modelGeneration()} as the engine's thread published it: any thread, no engine round trip. */
        long modelGeneration();

        /** {@code Engine.probeStatistics(ifname)} as published: any thread, no engine round trip; null when not published. */
        ProbeStatistics probeStatistics(String ifname);

        /** A snapshot and both generations, taken in one engine step (blocks the caller until the engine's thread has run it). */
        Taken take() throws Exception;
    }

    record Taken(EngineSnapshot snapshot, long modelGeneration) {
    }

    /**
     * The group indexes as kept across restarts: those of the groups there are (or being created),
     * those of groups that went (oldest first), and the counter of the next index.
     */
    record Indexes(Map<String, Long> live, Map<String, Long> retired, long next) {
    }

    /** Where the group indexes are kept ({@link GroupIndexFile}). */
    interface IndexStore {
        Indexes load();

        /** Called with the lock held at every change: must not block (write later, newest wins). */
        void save(Indexes indexes);
    }

    /** Keeps nothing: indexes start afresh at every start. */
    static final IndexStore NO_STORE = new IndexStore() {
        @Override
        public Indexes load() {
            return new Indexes(Map.of(), Map.of(), 1);
        }

        @Override
        public void save(Indexes indexes) {
        }
    };

    private final EngineReads engine;
    private final LongSupplier ticks;
    private final Object lock = new Object();
    /** Serialises rebuilds, so concurrent requests after a change wait for one snapshot instead of taking one each. */
    private final Object rebuild = new Object();
    /** Counts changes of the agent's own state that views show (pending rows, index bindings, marks, notificationsEnabled). */
    private volatile long localGeneration;
    private volatile View current;

    // --- guarded by lock
    private final Map<String, Long> indexByName = new HashMap<>();
    private final TreeMap<Long, String> nameByIndex = new TreeMap<>();
    /** Indexes held for groups being created through SNMP (bound before the engine has the group). */
    private final Set<Long> reserved = new HashSet<>();
    private final TreeMap<Long, PendingGroup> pendingGroups = new TreeMap<>();
    private final Set<PendingTarget> pendingTargets = new HashSet<>();
    /** Indexes of groups that went, oldest first: a group that comes back gets its index again while it is free. */
    private final LinkedHashMap<String, Long> retired = new LinkedHashMap<>();
    private final IndexStore indexStore;
    /** The host's interfaces (IF-MIB's rows besides the tracked ones). */
    private volatile HostInterfaces host = HostInterfaces.NONE;
    private long nextIndex = 1;
    private long newestSnapshotNs = Long.MIN_VALUE;
    private Long fingerprint;
    private long lastChangeTicks;
    private final Map<InetAddress, AddrTrack> addresses = new HashMap<>();
    private final Map<String, IfTrack> interfaces = new HashMap<>();
    private final Set<String> goneInterfaces = new HashSet<>();
    /** The interface indexes IF-MIB's ifTable has (null before the first snapshot), and when that set last changed. */
    private Set<Integer> ifTableIndexes;
    private long ifTableLastChangeTicks;

    private volatile boolean notificationsEnabled = true;
    /** ipmpNotificationTypes: which IPMP-MIB notification types are sent (bit n: { ipmpNotifications n+1 }). */
    private volatile long notificationTypes = IpmpMib.ALL_NOTIFICATION_TYPES;

    private record AddrTrack(String hostedOn, boolean up, long ticks) {
    }

    private record IfTrack(long sent, long acked, long lost, long discontinuity) {
    }

    /**
     * @param engine the engine's generations and snapshots
     * @param ticks sysUpTime in hundredths of a second
     */
    SnmpModel(EngineReads engine, LongSupplier ticks) {
        this(engine, ticks, NO_STORE);
    }

    /**
     * @param indexStore where group indexes are kept across restarts: the groups it lists get
     *                   their index again when they are there (or come back)
     */
    SnmpModel(EngineReads engine, LongSupplier ticks, IndexStore indexStore) {
        this.engine = engine;
        this.ticks = ticks;
        this.indexStore = indexStore;
        Indexes kept = indexStore.load();
        // all of them wait as retired until the first snapshot shows which groups are there
        retired.putAll(kept.retired());
        kept.live().entrySet().stream().sorted(Map.Entry.comparingByValue())
                .forEach(e -> retired.put(e.getKey(), e.getValue()));
        long max = 0;
        for (long i : retired.values()) {
            max = Math.max(max, i);
        }
        nextIndex = Math.max(Math.max(1, kept.next()), max >= 0xFFFFFFFFL ? 1 : max + 1);
    }

    /** Tells the model the host's interfaces, so that ifTableLastChange follows every ifTable row. */
    void hostInterfaces(HostInterfaces h) {
        this.host = h;
    }

    private void localChange() {
        localGeneration++;
    }

    long ticks() {
        return ticks.getAsLong();
    }

    boolean notificationsEnabled() {
        return notificationsEnabled;
    }

    long notificationTypes() {
        return notificationTypes;
    }

    /** Whether an IPMP-MIB notification of this OID is enabled by ipmpNotificationTypes (others: always). */
    boolean notificationTypeEnabled(org.snmp4j.smi.OID trap) {
        if (!trap.startsWith(IpmpMib.NOTIFICATIONS) || trap.size() != IpmpMib.NOTIFICATIONS.size() + 1) {
            return true;
        }
        int n = trap.last() - 1;
        return n < 0 || n >= IpmpMib.NOTIFICATION_TYPE_COUNT || (notificationTypes & (1L << n)) != 0;
    }

    void setNotificationTypes(long types) {
        if (types != notificationTypes) {
            notificationTypes = types;
            touch();
        }
        localChange();
    }

    void setNotificationsEnabled(boolean on) {
        if (on != notificationsEnabled) {
            notificationsEnabled = on;
            touch();
        }
        localChange();
    }

    /** Marks a change of the module now (ipmpLastChange). */
    void touch() {
        synchronized (lock) {
            lastChangeTicks = Math.max(lastChangeTicks, ticks());
            localChange();
        }
    }

    /** A data address moved (the event's time is its ipmpAddrLastChange). */
    void addressMoved(InetAddress a, String to) {
        synchronized (lock) {
            long now = ticks();
            AddrTrack t = addresses.get(a);
            addresses.put(a, new AddrTrack(to, t == null || t.up(), now));
            lastChangeTicks = Math.max(lastChangeTicks, now);
            localChange();
        }
    }

    /** The request's view (pinned at its first use), or the current one when there is no request. */
    @Override
    public View view(Request<?, ?, ?> request) {
        if (request == null) {
            return current();
        }
        Object o = request.getProcessingUserObject(VIEW_KEY);
        if (o instanceof View v) {
            return v;
        }
        View v = current();
        request.setProcessingUserObject(VIEW_KEY, v);
        return v;
    }

    /** Forgets the view of a request (after a SET changed the engine). */
    static void forget(Request<?, ?, ?> request) {
        if (request != null) {
            request.setProcessingUserObject(VIEW_KEY, null);
            request.setProcessingUserObject(STATISTICS_KEY, null);
        }
    }

    /** Whether {@link #current()} would answer the kept view (no engine round trip). */
    boolean viewIsCurrent() {
        View v = current;
        return v != null && v.modelGeneration == engine.modelGeneration() && v.localGeneration == localGeneration;
    }

    /** The view of the model as it is now: the kept one while neither the engine's model nor the agent's state changed. */
    View current() {
        View v = current;
        if (v != null && v.modelGeneration == engine.modelGeneration() && v.localGeneration == localGeneration) {
            return v;
        }
        synchronized (rebuild) {
            long local = localGeneration; // before the snapshot: a change racing with it makes the next request rebuild
            v = current;
            if (v != null && v.modelGeneration == engine.modelGeneration() && v.localGeneration == local) {
                return v;
            }
            Taken t = take();
            v = of(t.snapshot(), t.modelGeneration(), local);
            current = v;
            return v;
        }
    }

    /** A fresh view (not kept): for readers that must see this very moment, e.g. a SET's check. */
    View fresh() {
        Taken t = take();
        return of(t.snapshot(), t.modelGeneration(), localGeneration);
    }

    private Taken take() {
        try {
            return engine.take();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot take an engine snapshot: " + e, e);
        }
    }

    /** The probe statistics a request reads (pinned to the request at its first use). */
    @Override
    public Statistics statistics(Request<?, ?, ?> request) {
        if (request != null && request.getProcessingUserObject(STATISTICS_KEY) instanceof Statistics st) {
            return st;
        }
        Statistics st = newStatistics();
        if (request != null) {
            request.setProcessingUserObject(STATISTICS_KEY, st);
        }
        return st;
    }

    /** The probe statistics of one request (one reader at a time). */
    Statistics newStatistics() {
        return new Statistics(engine::probeStatistics, () -> take().snapshot());
    }

    /**
     * A view for a notification, built on the engine's thread from the part of the model it is
     * about, at that moment: new groups get their index as usual; the module's change tracking is
     * left to the views of requests (it compares whole snapshots, too slow for notifications).
     */
    View eventView(EngineSnapshot s) {
        synchronized (lock) {
            // a part of the model: bind new groups, leave the others' bindings to the full views
            List<GroupInfo> sorted = new java.util.ArrayList<>(s.groups());
            sorted.sort(java.util.Comparator.comparing(GroupInfo::name));
            for (GroupInfo g : sorted) {
                if (!indexByName.containsKey(g.name())) {
                    bindNew(g.name());
                }
            }
            return build(s, -1, -1);
        }
    }

    /** Builds the view of a snapshot (updating indexes and time stamps when it is the newest seen); not kept. */
    View of(EngineSnapshot s) {
        return of(s, -1, -1);
    }

    private View of(EngineSnapshot s, long modelGeneration, long localGeneration) {
        synchronized (lock) {
            long now = ticks();
            boolean newest = s.takenAtNs() - newestSnapshotNs >= 0 || newestSnapshotNs == Long.MIN_VALUE;
            if (newest) {
                newestSnapshotNs = s.takenAtNs();
                bindGroups(s);
                track(s, now);
            }
            return build(s, modelGeneration, localGeneration);
        }
    }

    /** Binds an index to every new group, frees those of groups gone (lock held). */
    private void bindGroups(EngineSnapshot s) {
        Set<String> present = new HashSet<>();
        List<GroupInfo> sorted = new java.util.ArrayList<>(s.groups());
        sorted.sort(java.util.Comparator.comparing(GroupInfo::name));
        for (GroupInfo g : sorted) {
            present.add(g.name());
            if (!indexByName.containsKey(g.name())) {
                bindNew(g.name());
            }
        }
        for (String n : List.copyOf(indexByName.keySet())) {
            Long idx = indexByName.get(n);
            if (!present.contains(n) && !reserved.contains(idx)) {
                indexByName.remove(n);
                nameByIndex.remove(idx);
                retire(n, idx);
                saveIndexes();
            }
        }
    }

    /** Binds a group that has no index: its old one when it had one that is free, else a new one (lock held). */
    private void bindNew(String name) {
        Long old = retired.remove(name);
        long i = old != null && isFree(old) ? old : allocate();
        bind(i, name);
        saveIndexes();
    }

    private boolean isFree(long i) {
        return !nameByIndex.containsKey(i) && !pendingGroups.containsKey(i) && !reserved.contains(i);
    }

    private void retire(String name, long index) {
        retired.remove(name);
        retired.values().removeIf(i -> i == index);
        retired.put(name, index);
        while (retired.size() > GroupIndexFile.MAX_RETIRED) {
            retired.remove(retired.keySet().iterator().next());
        }
    }

    /** Hands the bindings to the index store (lock held; the store does not block). */
    private void saveIndexes() {
        indexStore.save(new Indexes(Map.copyOf(indexByName), new LinkedHashMap<>(retired), nextIndex));
    }

    private View build(EngineSnapshot s, long modelGeneration, long localGeneration) {
        long now = ticks();
        Map<String, Long> idx = new HashMap<>();
        for (GroupInfo g : s.groups()) {
            Long i = indexByName.get(g.name());
            if (i != null) {
                idx.put(g.name(), i);
            }
        }
        View v = new View(s, now, Map.copyOf(idx), new TreeMap<>(pendingGroups), Set.copyOf(pendingTargets),
                lastChangeTicks, addrTicks(s), discontinuities(), nextFree(), notificationsEnabled, modelGeneration,
                localGeneration, ifTableLastChangeTicks);
        v.notificationTypes = notificationTypes;
        return v;
    }

    private void track(EngineSnapshot s, long now) {
        long fp = fingerprint(s);
        if (fingerprint != null && fp != fingerprint) {
            lastChangeTicks = Math.max(lastChangeTicks, now);
        }
        fingerprint = fp;
        Set<InetAddress> seen = new HashSet<>();
        for (AddressInfo a : s.addresses()) {
            seen.add(a.address());
            AddrTrack t = addresses.get(a.address());
            // an IPMP interface's address never moves: its inbound member changing is its move
            String where = a.ipmpInterface() != null ? a.inbound() : a.hostedOn();
            if (t == null || !Objects.equals(t.hostedOn(), where) || t.up() != a.up()) {
                addresses.put(a.address(), new AddrTrack(where, a.up(),
                        t == null || !Objects.equals(t.hostedOn(), where) ? now : Math.max(t.ticks(), now)));
            }
        }
        addresses.keySet().retainAll(seen);
        // IF-MIB ifTableLastChange: an ifTable row created or deleted (0 while the rows are those of the start)
        Set<Integer> rows = new HashSet<>(IfMib.tracked(s).keySet());
        rows.addAll(host.all().keySet());
        if (ifTableIndexes != null && !ifTableIndexes.equals(rows)) {
            ifTableLastChangeTicks = now;
        }
        ifTableIndexes = Set.copyOf(rows);
        Set<String> names = new HashSet<>();
        for (InterfaceInfo i : s.interfaces()) {
            names.add(i.name());
            IfTrack t = interfaces.get(i.name());
            long disc = t == null ? (goneInterfaces.remove(i.name()) ? now : 0) : t.discontinuity();
            if (t != null && (i.probesSent() < t.sent() || i.probesAcked() < t.acked() || i.probesLost() < t.lost())) {
                disc = now;
            }
            interfaces.put(i.name(), new IfTrack(i.probesSent(), i.probesAcked(), i.probesLost(), disc));
        }
        for (String n : List.copyOf(interfaces.keySet())) {
            if (!names.contains(n)) {
                interfaces.remove(n);
                goneInterfaces.add(n);
            }
        }
    }

    private Map<InetAddress, Long> addrTicks(EngineSnapshot s) {
        Map<InetAddress, Long> out = new HashMap<>();
        for (AddressInfo a : s.addresses()) {
            AddrTrack t = addresses.get(a.address());
            out.put(a.address(), t == null ? 0L : t.ticks());
        }
        return out;
    }

    private Map<String, Long> discontinuities() {
        Map<String, Long> out = new HashMap<>();
        interfaces.forEach((k, v) -> out.put(k, v.discontinuity()));
        return out;
    }

    /** A hash of everything the module shows except counters and round-trip times (no text built: it runs at every rebuild). */
    private long fingerprint(EngineSnapshot s) {
        Hash h = new Hash();
        h.add(s.config()).add(notificationsEnabled).add(notificationTypes).add(pendingGroups).add(pendingTargets);
        for (GroupInfo g : s.groups()) {
            h.add(g.name()).add(g.state()).add(g.fdtMs()).add(g.members()).add(g.active()).add(g.inactive())
                    .add(g.unusable()).add(g.targets()).add(g.ipmpInterface());
        }
        for (InterfaceInfo i : s.interfaces()) {
            h.add(i.name()).add(i.ifindex()).add(i.group()).add(i.present()).add(i.active()).add(i.standby())
                    .add(i.offline()).add(i.failed()).add(i.inactive()).add(i.link()).add(i.probe()).add(i.state())
                    .add(i.flagsColumn());
            for (EngineSnapshot.LifInfo l : i.lifs()) {
                h.add(l.unit()).add(l.family()).add(l.flags()).add(l.address());
            }
            for (EngineSnapshot.TargetSet t : i.targetSets()) {
                h.add(t.family()).add(t.mode()).add(t.testAddress());
                for (EngineSnapshot.TargetInfo ti : t.targets()) {
                    h.add(ti.address()).add(ti.origin()).add(ti.status());
                }
            }
        }
        for (AddressInfo a : s.addresses()) {
            h.add(a.address()).add(a.up()).add(a.hostedOn()).add(a.homeIf()).add(a.inbound()).add(a.outbound())
                    .add(a.prefixLen());
        }
        for (EngineSnapshot.IpmpInterfaceInfo i : s.ipmpInterfaces()) {
            h.add(i.name()).add(i.group()).add(i.ifindex()).add(i.running()).add(i.lifs());
        }
        return h.value;
    }

    private static final class Hash {
        long value = 1125899906842597L;

        Hash add(long v) {
            value = (value * 0x9E3779B97F4A7C15L + v) ^ (value >>> 31);
            return this;
        }

        Hash add(boolean b) {
            return add(b ? 3 : 5);
        }

        Hash add(Object o) {
            return add(Objects.hashCode(o));
        }
    }

    // ------------------------------------------------------------------ group indexes

    private long allocate() {
        long i = nextFree();
        nextIndex = i + 1;
        return i;
    }

    /** ipmpGroupIndexNext: the smallest free index at or above the counter; 0 when none is left. */
    private long nextFree() {
        long i = Math.max(1, nextIndex);
        while (i <= 0xFFFFFFFFL && !isFree(i)) {
            i++;
        }
        return i > 0xFFFFFFFFL ? 0 : i;
    }

    private void bind(long index, String name) {
        indexByName.put(name, index);
        nameByIndex.put(index, name);
    }

    /** Binds an index to a group about to be created through SNMP; false when either is taken. */
    boolean reserve(long index, String name) {
        synchronized (lock) {
            Long cur = indexByName.get(name);
            if (cur != null && cur != index) {
                return false;
            }
            String other = nameByIndex.get(index);
            if (other != null && !other.equals(name)) {
                return false;
            }
            bind(index, name);
            reserved.add(index);
            retired.remove(name);
            retired.values().removeIf(i -> i == index);
            nextIndex = Math.max(nextIndex, index + 1);
            saveIndexes();
            localChange();
            return true;
        }
    }

    /** Ends a reservation; {@code keep}: the group now exists (else the binding goes). */
    void release(long index, boolean keep) {
        synchronized (lock) {
            reserved.remove(index);
            if (!keep) {
                String n = nameByIndex.remove(index);
                if (n != null) {
                    indexByName.remove(n);
                    saveIndexes();
                }
            }
            localChange();
        }
    }

    Map<Long, PendingGroup> pendingGroups() {
        synchronized (lock) {
            return new LinkedHashMap<>(pendingGroups);
        }
    }

    /** Replaces the pending rows (SET commit/undo). */
    void setPending(Map<Long, PendingGroup> groups, Set<PendingTarget> targets) {
        synchronized (lock) {
            pendingGroups.clear();
            pendingGroups.putAll(groups);
            pendingTargets.clear();
            pendingTargets.addAll(targets);
            for (Long i : groups.keySet()) {
                nextIndex = Math.max(nextIndex, i + 1);
            }
            lastChangeTicks = Math.max(lastChangeTicks, ticks());
            localChange();
        }
    }

    Set<PendingTarget> pendingTargets() {
        synchronized (lock) {
            return new HashSet<>(pendingTargets);
        }
    }

    /**
     * What one request reads: a snapshot and the agent's own state at that moment. Derived tables
     * are computed at most once per view ({@link #memo}).
     */
    static final class View {
        private static final Object MODULE_LAST_CHANGE = new Object();
        final EngineSnapshot snapshot;
        final long ticks;
        final Map<String, Long> groupIndex;
        final Map<Long, PendingGroup> pendingGroups;
        final Set<PendingTarget> pendingTargets;
        final long lastChangeTicks;
        final Map<InetAddress, Long> addrTicks;
        final Map<String, Long> discontinuity;
        final long indexNext;
        final boolean notificationsEnabled;
        /** ipmpNotificationTypes when the view was built (set once, before the view is shared). */
        long notificationTypes = IpmpMib.ALL_NOTIFICATION_TYPES;
        /** The generations it was built at (-1: a view that is not kept). */
        final long modelGeneration;
        final long localGeneration;
        /** IF-MIB's ifTableLastChange. */
        final long ifTableLastChangeTicks;
        private final Map<Object, Object> memo = new ConcurrentHashMap<>();
        private final Map<String, Integer> ifindexByName = new HashMap<>();

        View(EngineSnapshot snapshot, long ticks, Map<String, Long> groupIndex, Map<Long, PendingGroup> pendingGroups,
             Set<PendingTarget> pendingTargets, long lastChangeTicks, Map<InetAddress, Long> addrTicks,
             Map<String, Long> discontinuity, long indexNext, boolean notificationsEnabled, long modelGeneration,
             long localGeneration, long ifTableLastChangeTicks) {
            this.ifTableLastChangeTicks = ifTableLastChangeTicks;
            this.modelGeneration = modelGeneration;
            this.localGeneration = localGeneration;
            for (InterfaceInfo i : snapshot.interfaces()) {
                ifindexByName.putIfAbsent(i.name(), Math.max(0, i.ifindex()));
            }
            for (EngineSnapshot.IpmpInterfaceInfo i : snapshot.ipmpInterfaces()) {
                ifindexByName.putIfAbsent(i.name(), Math.max(0, i.ifindex()));
            }
            this.snapshot = snapshot;
            this.ticks = ticks;
            this.groupIndex = groupIndex;
            this.pendingGroups = pendingGroups;
            this.pendingTargets = pendingTargets;
            this.lastChangeTicks = lastChangeTicks;
            this.addrTicks = addrTicks;
            this.discontinuity = discontinuity;
            this.indexNext = indexNext;
            this.notificationsEnabled = notificationsEnabled;
        }

        @SuppressWarnings("unchecked")
        <T> T memo(Object key, Supplier<T> compute) {
            Object v = memo.get(key);
            if (v == null) {
                v = compute.get();
                Object prev = memo.putIfAbsent(key, v);
                if (prev != null) {
                    v = prev;
                }
            }
            return (T) v;
        }

        /** The group with an index, if the engine has it. */
        String groupName(long index) {
            for (Map.Entry<String, Long> e : groupIndex.entrySet()) {
                if (e.getValue() == index) {
                    return e.getKey();
                }
            }
            return null;
        }

        long indexOf(String group) {
            Long i = group == null ? null : groupIndex.get(group);
            return i == null ? 0 : i;
        }

        /** sysUpTime of an engine time stamp (0 when before the agent started). */
        long ticksOf(long engineNs) {
            long ageTicks = (snapshot.takenAtNs() - engineNs) / 10_000_000L;
            return Math.max(0, ticks - Math.max(0, ageTicks));
        }

        int ifindex(String ifname) {
            Integer i = ifname == null ? null : ifindexByName.get(ifname);
            return i == null ? 0 : i;
        }

        /** ipmpLastChange: the newest of the agent's own marks and the engine's per-object stamps. */
        long moduleLastChange() {
            return memo(MODULE_LAST_CHANGE, this::computeModuleLastChange);
        }

        private long computeModuleLastChange() {
            long t = lastChangeTicks;
            for (GroupInfo g : snapshot.groups()) {
                t = Math.max(t, ticksOf(g.lastChangeNs()));
            }
            for (InterfaceInfo i : snapshot.interfaces()) {
                t = Math.max(t, ticksOf(i.lastChangeNs()));
            }
            for (long a : addrTicks.values()) {
                t = Math.max(t, a);
            }
            return t;
        }

        OID oidIndex(long groupIndex) {
            return new OID().appendUnsigned(groupIndex);
        }
    }

    /**
     * The probe statistics one request reads: what the engine publishes for each interface (read
     * once per interface, then kept for the request, so a member's counters agree with each other
     * within a response), or, when the engine has not published them yet after a change, those of
     * a snapshot taken for the request.
     */
    static final class Statistics {
        private final Function<String, ProbeStatistics> published;
        private final Supplier<EngineSnapshot> snapshot;
        private final Map<String, ProbeStatistics> read = new HashMap<>();
        private Map<String, ProbeStatistics> ofSnapshot;

        Statistics(Function<String, ProbeStatistics> published, Supplier<EngineSnapshot> snapshot) {
            this.published = published;
            this.snapshot = snapshot;
        }

        /** The interface's statistics now, or null when the engine no longer has it. */
        ProbeStatistics of(String ifname) {
            ProbeStatistics p = read.get(ifname);
            if (p == null && !read.containsKey(ifname)) {
                p = published.apply(ifname);
                if (p == null) {
                    p = ofSnapshot().get(ifname);
                }
                read.put(ifname, p);
            }
            return p;
        }

        private Map<String, ProbeStatistics> ofSnapshot() {
            if (ofSnapshot == null) {
                ofSnapshot = new HashMap<>();
                for (InterfaceInfo i : snapshot.get().interfaces()) {
                    Map<InetAddress, ProbeStatistics.TargetRtt> targets = new HashMap<>();
                    for (EngineSnapshot.TargetSet set : i.targetSets()) {
                        for (EngineSnapshot.TargetInfo t : set.targets()) {
                            targets.putIfAbsent(t.address(), new ProbeStatistics.TargetRtt(t.rttAvgNs(), t.rttDevNs()));
                        }
                    }
                    ofSnapshot.putIfAbsent(i.name(), new ProbeStatistics(i.probesSent(), i.probesAcked(), i.probesLost(),
                            i.rttAvgNs(), i.rttDevNs(), targets));
                }
            }
            return ofSnapshot;
        }
    }
}
