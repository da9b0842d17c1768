package ipmpd.agent.snmp;

import ipmpd.agent.ConfigStore;
import ipmpd.agent.IpmpdLog;
import ipmpd.engine.AdminException;
import ipmpd.engine.Addresses;
import ipmpd.engine.Engine;
import ipmpd.engine.EngineConfig;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.EngineSnapshot.InterfaceInfo;
import ipmpd.engine.config.ConfigApplier;
import ipmpd.engine.config.ConfigException;
import ipmpd.engine.config.ConfigProblem;
import ipmpd.engine.config.IpmpConfiguration;
import ipmpd.engine.config.IpmpConfiguration.DataAddress;
import ipmpd.engine.config.IpmpConfiguration.GroupConfig;
import ipmpd.engine.config.IpmpConfiguration.MemberConfig;
import org.snmp4j.PDU;
import org.snmp4j.agent.request.Request;
import org.snmp4j.agent.request.SubRequest;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.SMIConstants;
import org.snmp4j.smi.UnsignedInteger32;
import org.snmp4j.smi.Variable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * SET of IPMP-MIB objects: the writable objects of one PDU form one transaction. In prepare the
 * new {@link IpmpConfiguration} is built from the current one and every IPMP-MIB varbind of the PDU,
 * and checked against the engine's rules (the configuration validator, and the rules that depend on
 * the live state: minimum redundancy for offline, addresses of other members on a leaving
 * interface); a refusal is logged with its reason and answered with wrongValue, inconsistentValue,
 * noCreation, inconsistentName, ... on the varbind concerned. In commit the same change is built
 * again on the engine thread from the configuration of that moment and applied all or nothing
 * through {@link ConfigStore} (engine, then the configuration directory); undo applies the previous
 * configuration again.
 */
final class IpmpSet implements LiveObjects.Writer {
    private static final Object TXN_KEY = new Object();

    /** Runs a job on the engine thread with the engine. */
    interface EngineAccess {
        <T> T call(Function<Engine, T> job) throws Exception;
    }

    private final SnmpModel model;
    private final EngineAccess engine;
    private final ConfigStore store;
    private final IpmpdLog log;
    private final Consumer<Boolean> persistNotifications;
    /** The host's interfaces: one that is in no group yet may be put into one. */
    private HostInterfaces host = HostInterfaces.NONE;

    IpmpSet(SnmpModel model, EngineAccess engine, ConfigStore store, IpmpdLog log, Consumer<Boolean> persistNotifications) {
        this.model = model;
        this.engine = engine;
        this.store = store;
        this.log = log;
        this.persistNotifications = persistNotifications;
    }

    // ------------------------------------------------------------------ edits

    private enum Kind { FDT, FAILBACK, TRACK, NOTIFY, NOTIFY_TYPES, QUIET, G_NAME, G_STORAGE, G_STATUS, IF_GROUP, IF_STANDBY,
        IF_OFFLINE, CT_STORAGE, CT_STATUS, IA_PREFIX, IA_USE, IA_STORAGE, IA_STATUS, G_IPMP_IF, GA_PREFIX, GA_STORAGE,
        GA_STATUS }

    /** One decoded varbind. */
    private record Edit(int sub, String object, OID instance, Kind kind, long index, InetAddress address,
                        long number, String text) {
        String where() {
            return object + "." + instance;
        }
    }

    /** A refusal: SNMP error status and the reason that goes to the log. */
    private static final class Refusal extends Exception {
        final int status;
        final int sub;

        Refusal(int sub, int status, String reason) {
            super(reason);
            this.sub = sub;
            this.status = status;
        }
    }

    /** The change a PDU makes, built against one view of the engine. */
    private static final class Plan {
        EngineConfig global;
        Boolean notifications;
        Long notificationTypes;
        final LinkedHashMap<String, GroupBuilder> groups = new LinkedHashMap<>();
        final Map<Long, SnmpModel.PendingGroup> pending = new TreeMap<>();
        final Set<SnmpModel.PendingTarget> pendingTargets = new HashSet<>();
        /** index -> name of groups created by this PDU */
        final Map<Long, String> created = new LinkedHashMap<>();
        /** groups the PDU destroys, with their RowStatus varbind (decided after the memberships) */
        final Map<String, Edit> destroys = new LinkedHashMap<>();
        /** interface -> group it leaves (applied after the configuration, so its addresses stay with it) */
        final Map<String, String> leavers = new LinkedHashMap<>();
        final Map<String, MemberConfig> leaverConfigs = new HashMap<>();
        final Map<String, List<DataAddress>> leaverData = new HashMap<>();
        final Set<String> offlined = new HashSet<>();
        /** members offline at run time only (if_mpadm -d) that ipmpIfOffline = false brings back */
        final Set<String> backOnline = new HashSet<>();
        /**
         * Members the PDU makes standby in the group they are in: the engine's setStandby makes them
         * standby after the configuration is applied, so that their data addresses move as with
         * ipmpadm (ipmpAddressMoved, no gap) instead of being removed and added again.
         */
        final Set<String> standbyByEngine = new LinkedHashSet<>();
        /** Data address -> the member it was homed on before {@link #rehomeFromStandbys} chose another. */
        final Map<InetAddress, String> rehomedFrom = new HashMap<>();
        final List<Refusal> refusals = new ArrayList<>();

        /** The configuration the PDU leads to (what is checked). */
        IpmpConfiguration candidate() {
            return configuration(groups.values());
        }

        private IpmpConfiguration configuration(java.util.Collection<GroupBuilder> builders) {
            List<GroupConfig> out = new ArrayList<>();
            for (GroupBuilder b : builders) {
                out.add(b.build());
            }
            out.sort(java.util.Comparator.comparing(GroupConfig::name));
            return new IpmpConfiguration(global, List.copyOf(out));
        }

        /**
         * What is applied through the store: leavers still in their groups (they leave afterwards),
         * and members the engine makes standby ({@link #standbyByEngine}) not standby yet, with their
         * data addresses still at home (the engine moves them).
         */
        IpmpConfiguration committed() {
            Map<String, GroupBuilder> copy = new LinkedHashMap<>();
            for (GroupBuilder b : groups.values()) {
                GroupBuilder c = b.copy();
                for (String m : standbyByEngine) {
                    MemberConfig mc = c.members.get(m);
                    if (mc != null) {
                        c.members.put(m, new MemberConfig(m, false, mc.offline(), mc.testAddresses()));
                    }
                }
                c.data.replaceAll(d -> standbyByEngine.contains(rehomedFrom.get(d.address()))
                        ? new DataAddress(d.address(), d.prefixLen(), rehomedFrom.get(d.address())) : d);
                copy.put(b.name, c);
            }
            for (Map.Entry<String, String> l : leavers.entrySet()) {
                GroupBuilder b = copy.get(l.getValue());
                if (b != null) {
                    b.members.put(l.getKey(), leaverConfigs.get(l.getKey()));
                    b.data.addAll(leaverData.getOrDefault(l.getKey(), List.of()));
                }
            }
            return configuration(copy.values());
        }
    }

    private static final class GroupBuilder {
        final String name;
        final LinkedHashMap<String, MemberConfig> members = new LinkedHashMap<>();
        final List<DataAddress> data = new ArrayList<>();
        final List<InetAddress> targets = new ArrayList<>();
        /** The group's IPMP interface (new IPMP), null for a classic group. */
        String ipmpInterface;

        GroupBuilder(String name) {
            this.name = name;
        }

        static GroupBuilder of(GroupConfig g) {
            GroupBuilder b = new GroupBuilder(g.name());
            for (MemberConfig m : g.members()) {
                b.members.put(m.name(), m);
            }
            b.data.addAll(g.dataAddresses());
            b.targets.addAll(g.targets());
            b.ipmpInterface = g.ipmpInterface();
            return b;
        }

        GroupBuilder copy() {
            GroupBuilder b = new GroupBuilder(name);
            b.members.putAll(members);
            b.data.addAll(data);
            b.targets.addAll(targets);
            b.ipmpInterface = ipmpInterface;
            return b;
        }

        GroupConfig build() {
            List<MemberConfig> ms = new ArrayList<>(members.values());
            ms.sort(java.util.Comparator.comparing(MemberConfig::name));
            List<DataAddress> ds = new ArrayList<>(data);
            ds.sort(java.util.Comparator.comparing((DataAddress d) -> ipmpd.engine.Family.of(d.address()))
                    .thenComparing(d -> d.address().getAddress(), java.util.Arrays::compareUnsigned));
            return new GroupConfig(name, List.copyOf(ms), List.copyOf(ds), List.copyOf(targets), ipmpInterface);
        }
    }

    /** One varbind of a SET and its 0-based position in the PDU. */
    private record Binding(int index, OID oid, Variable value) {
    }

    /** The transaction of one request. */
    private final class Txn {
        /** The security name (or session) the log names. */
        final String who;
        final List<Binding> bindings;
        /** The view the request reads (pinned to an snmp4j-agent request), and how to forget it after commit. */
        final java.util.function.Supplier<SnmpModel.View> view;
        final Runnable forgetView;
        final List<Edit> edits = new ArrayList<>();
        final Map<Integer, Integer> errors = new HashMap<>();
        boolean committed;
        boolean commitDone;
        boolean commitFailed;
        IpmpConfiguration before;
        /** The engine after the commit, to persist off the engine thread. */
        ConfigStore.Taken taken;
        Map<String, String> leavers = Map.of();
        Map<Long, SnmpModel.PendingGroup> pendingBefore;
        Set<SnmpModel.PendingTarget> pendingTargetsBefore;
        boolean notificationsBefore;
        long notificationTypesBefore;
        boolean undone;

        Txn(String who, List<Binding> bindings, java.util.function.Supplier<SnmpModel.View> view, Runnable forgetView) {
            this.who = who;
            this.bindings = bindings;
            this.view = view;
            this.forgetView = forgetView;
        }

        void refuse(Refusal r) {
            errors.putIfAbsent(r.sub, r.status);
            log.warning("SNMP SET by " + who + " refused: " + describe(r.sub) + ": "
                    + PDU.toErrorStatusText(r.status) + ": " + r.getMessage());
        }

        String describe(int sub) {
            for (Edit e : edits) {
                if (e.sub() == sub) {
                    return e.where() + (e.text() != null ? " = \"" + LogText.quote(e.text()) + "\"" : " = " + e.number());
                }
            }
            return "varbind " + (sub + 1);
        }
    }

    private static String who(Request<?, ?, ?> r) {
        OctetString n = r.getSecurityName();
        return n == null ? "?" : LogText.quote(n.toString());
    }

    // ------------------------------------------------------------------ SET phases

    @Override
    public void prepare(SubRequest<?> sub) {
        Request<?, ?, ?> r = sub.getRequest();
        Txn t = (Txn) r.getProcessingUserObject(TXN_KEY);
        if (t == null) {
            List<Binding> bindings = new ArrayList<>();
            for (Iterator<?> it = r.iterator(); it.hasNext(); ) {
                SubRequest<?> s = (SubRequest<?>) it.next();
                bindings.add(new Binding(s.getIndex(), s.getVariableBinding().getOid(), s.getVariableBinding().getVariable()));
            }
            t = new Txn(who(r), bindings, () -> model.view(r), () -> SnmpModel.forget(r));
            r.setProcessingUserObject(TXN_KEY, t);
            prepareAll(t);
        }
        Integer err = t.errors.get(sub.getIndex());
        if (err != null) {
            sub.getStatus().setErrorStatus(err);
        }
        sub.getStatus().setPhaseComplete(true);
    }

    private void prepareAll(Txn t) {
        for (Binding b : t.bindings) {
            try {
                Edit e = decode(b.index(), b.oid(), b.value());
                if (e != null) {
                    t.edits.add(e);
                }
            } catch (Refusal r) {
                t.refuse(r);
            }
        }
        if (!t.errors.isEmpty()) {
            return;
        }
        SnmpModel.View v = t.view.get();
        Plan p = plan(v, t.edits, store.configuredOffline()::contains);
        check(p, v.snapshot, t.edits);
        for (Refusal r : p.refusals) {
            t.refuse(r);
        }
    }

    @Override
    public void commit(SubRequest<?> sub) {
        Txn t = (Txn) sub.getRequest().getProcessingUserObject(TXN_KEY);
        if (t != null && !t.commitDone) {
            if (!commitOnce(t)) {
                sub.getStatus().setErrorStatus(PDU.commitFailed);
            }
        }
        sub.getStatus().setPhaseComplete(true);
    }

    @Override
    public void undo(SubRequest<?> sub) {
        Txn t = (Txn) sub.getRequest().getProcessingUserObject(TXN_KEY);
        if (t != null && !undoOnce(t)) {
            sub.getStatus().setErrorStatus(PDU.undoFailed);
        }
        sub.getStatus().setPhaseComplete(true);
    }

    @Override
    public void cleanup(SubRequest<?> sub) {
        sub.getRequest().setProcessingUserObject(TXN_KEY, null);
        sub.getStatus().setPhaseComplete(true);
    }

    /** Commits a prepared transaction (once); false when the commit failed (and nothing changed). */
    private boolean commitOnce(Txn t) {
        t.commitDone = true;
        boolean ok = true;
        try {
            commitAll(t);
        } catch (Exception e) {
            t.commitFailed = true;
            log.err("SNMP SET by " + t.who + " failed in commit: " + message(e));
            ok = false;
        }
        t.forgetView.run();
        return ok;
    }

    /** Undoes a committed transaction (once); false when the undo failed. */
    private boolean undoOnce(Txn t) {
        if (!t.committed || t.undone) {
            return true;
        }
        t.undone = true;
        try {
            undoAll(t);
            return true;
        } catch (Exception e) {
            log.err("SNMP SET by " + t.who + ": undo failed: " + message(e));
            return false;
        }
    }

    /**
     * A SET that did not come through snmp4j-agent (an AgentX TestSet): the same checks, commit and
     * undo as a request's, driven phase by phase by the caller.
     *
     * @param who names the requester in the log
     */
    Transaction transaction(String who, List<? extends org.snmp4j.smi.VariableBinding> vbs) {
        List<Binding> bindings = new ArrayList<>();
        for (int i = 0; i < vbs.size(); i++) {
            bindings.add(new Binding(i, vbs.get(i).getOid(), vbs.get(i).getVariable()));
        }
        return new Transaction(new Txn(who, bindings, model::fresh, () -> { }));
    }

    /** The phases of one SET driven from outside snmp4j-agent (see {@link #transaction}). */
    final class Transaction {
        private final Txn t;
        private boolean tested;

        private Transaction(Txn t) {
            this.t = t;
        }

        /** Checks the whole PDU; null when it can be committed, else {0-based varbind, SNMP error status}. */
        int[] test() {
            if (!tested) {
                tested = true;
                prepareAll(t);
            }
            int first = -1;
            for (int i : t.errors.keySet()) {
                if (first < 0 || i < first) {
                    first = i;
                }
            }
            return first < 0 ? null : new int[] {first, t.errors.get(first)};
        }

        /** Commits after a successful test; false: commitFailed (nothing changed). */
        boolean commit() {
            if (!tested || !t.errors.isEmpty() || t.commitDone) {
                throw new IllegalStateException("commit without a successful test, or twice");
            }
            return commitOnce(t);
        }

        /** Undoes a commit; false: undoFailed. */
        boolean undo() {
            return undoOnce(t);
        }
    }

    private static String message(Throwable e) {
        if (e instanceof ConfigException ce && !ce.problems().isEmpty()) {
            return ce.problems().get(0).toString();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private void commitAll(Txn t) throws Exception {
        t.pendingBefore = model.pendingGroups();
        t.pendingTargetsBefore = model.pendingTargets();
        t.notificationsBefore = model.notificationsEnabled();
        t.notificationTypesBefore = model.notificationTypes();
        Plan done = engine.call(e -> {
            EngineSnapshot s = e.snapshot();
            SnmpModel.View v = model.of(s);
            Plan p = plan(v, t.edits, store.configuredOffline()::contains);
            check(p, s, t.edits);
            if (!p.refusals.isEmpty()) {
                throw new IllegalStateException(p.refusals.get(0).getMessage());
            }
            IpmpConfiguration before = store.current(e);
            for (Map.Entry<Long, String> c : p.created.entrySet()) {
                if (!model.reserve(c.getKey(), c.getValue())) {
                    p.created.keySet().forEach(i -> model.release(i, false));
                    throw new IllegalStateException("group index " + c.getKey() + " is taken");
                }
            }
            boolean applied = false;
            Set<String> configured = store.configuredOffline();
            try {
                IpmpConfiguration next = p.committed();
                if (!next.equals(before)) {
                    store.apply(e, next);
                    configured = next.offlineMembers();
                    applied = true;
                }
                List<String> left = new ArrayList<>();
                try {
                    for (String m : p.leavers.keySet()) {
                        e.setGroup(m, "");
                        left.add(m);
                    }
                } catch (AdminException ex) {
                    for (String m : left) {
                        rejoin(e, m, p.leavers.get(m));
                    }
                    throw ex;
                }
                for (String m : p.backOnline) {
                    e.undoOffline(m);
                }
                for (String m : p.standbyByEngine) {
                    e.setStandby(m, true); // its data addresses move now, as ipmpadm IF standby moves them
                    applied = true;
                }
            } catch (Exception ex) {
                if (applied) {
                    try {
                        ConfigApplier.apply(e, before);
                    } catch (ConfigException rollback) {
                        ex.addSuppressed(rollback);
                    }
                }
                p.created.keySet().forEach(i -> model.release(i, false));
                throw new IllegalStateException(message(ex), ex);
            }
            p.created.keySet().forEach(i -> model.release(i, true));
            t.before = before;
            t.taken = store.take(e, configured, before);
            return p;
        });
        // The files are written here, off the engine thread, before the SET is answered; if they
        // cannot be, the engine goes back and the SET fails (apply and persist are one transaction).
        try {
            store.write(t.taken.render());
        } catch (IOException io) {
            Txn undo = t;
            engine.call(e -> {
                try {
                    for (String m : done.backOnline) {
                        e.offline(m);
                    }
                    for (Map.Entry<String, String> l : done.leavers.entrySet()) {
                        rejoin(e, l.getKey(), l.getValue());
                    }
                    store.undo(e, undo.taken);
                } catch (AdminException | ConfigException ex) {
                    io.addSuppressed(ex);
                }
                return null;
            });
            throw new IllegalStateException("the configuration could not be saved (" + io.getMessage()
                    + "); nothing was changed", io);
        }
        t.committed = true;
        t.leavers = done.leavers;
        model.setPending(done.pending, done.pendingTargets);
        if (done.notifications != null && done.notifications != t.notificationsBefore) {
            model.setNotificationsEnabled(done.notifications);
            persistNotifications.accept(done.notifications);
        }
        if (done.notificationTypes != null && done.notificationTypes != t.notificationTypesBefore) {
            model.setNotificationTypes(done.notificationTypes);
            persistNotifications.accept(model.notificationsEnabled()); // the state file holds both
        }
        model.touch();
        log.notice("SNMP SET by " + t.who + ": " + summary(t.edits));
    }

    private static void rejoin(Engine e, String member, String group) {
        try {
            e.setGroup(member, group);
        } catch (AdminException ignored) {
            // best effort: the configuration is applied again right after
        }
    }

    private void undoAll(Txn t) throws Exception {
        ConfigStore.Taken back = engine.call(e -> {
            try {
                for (Map.Entry<String, String> l : t.leavers.entrySet()) {
                    e.setGroup(l.getKey(), l.getValue());
                }
                if (!store.current(e).equals(t.before)) {
                    return store.apply(e, t.before);
                }
                return store.take(e, store.configuredOffline(), t.before);
            } catch (AdminException | ConfigException ex) {
                throw new IllegalStateException(message(ex), ex);
            }
        });
        try {
            store.write(back.render()); // off the engine thread
        } catch (IOException io) {
            throw new IllegalStateException("the configuration before the SET could not be saved: " + io.getMessage(), io);
        }
        model.setPending(t.pendingBefore, t.pendingTargetsBefore);
        if (model.notificationsEnabled() != t.notificationsBefore
                || model.notificationTypes() != t.notificationTypesBefore) {
            model.setNotificationsEnabled(t.notificationsBefore);
            model.setNotificationTypes(t.notificationTypesBefore);
            persistNotifications.accept(t.notificationsBefore);
        }
        log.notice("SNMP SET by " + t.who + " undone");
    }

    private static String summary(List<Edit> edits) {
        List<String> out = new ArrayList<>();
        for (Edit e : edits) {
            out.add(e.where() + "=" + (e.text() != null ? "\"" + LogText.quote(e.text()) + "\"" : String.valueOf(e.number())));
        }
        return String.join(", ", out);
    }

    // ------------------------------------------------------------------ decoding

    /** Decodes one varbind; null when it is not a writable IPMP-MIB object (its MO answers). */
    private static Edit decode(int sub, OID oid, Variable value) throws Refusal {
        if (oid.startsWith(IpmpMib.GLOBALS) && oid.size() == IpmpMib.GLOBALS.size() + 2 && oid.last() == 0) {
            int col = oid.get(IpmpMib.GLOBALS.size());
            OID inst = new OID(new int[] {0});
            switch (col) {
                case IpmpMib.FDT -> {
                    long ms = unsigned(sub, value);
                    if (ms < EngineConfig.MIN_FDT_MS) {
                        throw new Refusal(sub, PDU.wrongValue, "failure detection time " + ms
                                + " ms is below the minimum of " + EngineConfig.MIN_FDT_MS + " ms");
                    }
                    return new Edit(sub, "ipmpFailureDetectionTime", inst, Kind.FDT, 0, null, ms, null);
                }
                case IpmpMib.FAILBACK -> {
                    return new Edit(sub, "ipmpFailback", inst, Kind.FAILBACK, 0, null, truth(sub, value), null);
                }
                case IpmpMib.TRACK -> {
                    return new Edit(sub, "ipmpTrackInterfacesOnlyWithGroups", inst, Kind.TRACK, 0, null,
                            truth(sub, value), null);
                }
                case IpmpMib.NOTIFICATIONS_ENABLED -> {
                    return new Edit(sub, "ipmpNotificationsEnabled", inst, Kind.NOTIFY, 0, null, truth(sub, value), null);
                }
                case IpmpMib.NOTIFICATION_TYPES -> {
                    if (!(value instanceof OctetString bits)) {
                        throw new Refusal(sub, PDU.wrongType, "ipmpNotificationTypes is BITS (an OCTET STRING)");
                    }
                    Long types = bits.length() > (IpmpMib.NOTIFICATION_TYPE_COUNT + 7) / 8 ? null
                            : IpmpMib.typesOf(bits.getValue());
                    if (types == null) {
                        throw new Refusal(sub, PDU.wrongValue, "ipmpNotificationTypes sets a bit beyond targetChange("
                                + (IpmpMib.NOTIFICATION_TYPE_COUNT - 1) + ")");
                    }
                    return new Edit(sub, "ipmpNotificationTypes", inst, Kind.NOTIFY_TYPES, 0, null, types, null);
                }
                case IpmpMib.QUIET_PERIOD -> {
                    return new Edit(sub, "ipmpProbeQuietPeriod", inst, Kind.QUIET, 0, null, unsigned(sub, value), null);
                }
                default -> {
                    return null;
                }
            }
        }
        if (oid.size() > IpmpMib.GROUP_ENTRY.size() + 1 && oid.startsWith(IpmpMib.GROUP_ENTRY)) {
            int col = oid.get(IpmpMib.GROUP_ENTRY.size());
            OID inst = suffix(oid, IpmpMib.GROUP_ENTRY.size() + 1);
            if (col != IpmpMib.G_NAME && col != IpmpMib.G_STORAGE && col != IpmpMib.G_ROW_STATUS
                    && col != IpmpMib.G_IPMP_INTERFACE) {
                return null;
            }
            if (inst.size() != 1 || inst.getUnsigned(0) == 0) {
                throw new Refusal(sub, PDU.noCreation, "bad ipmpGroupIndex " + inst + " (1..4294967295)");
            }
            long idx = inst.getUnsigned(0);
            return switch (col) {
                case IpmpMib.G_NAME -> new Edit(sub, "ipmpGroupName", inst, Kind.G_NAME, idx, null, 0,
                        groupName(sub, value, 1));
                case IpmpMib.G_STORAGE -> new Edit(sub, "ipmpGroupStorageType", inst, Kind.G_STORAGE, idx, null,
                        storage(sub, value), null);
                case IpmpMib.G_IPMP_INTERFACE -> new Edit(sub, "ipmpGroupIpmpInterface", inst, Kind.G_IPMP_IF, idx,
                        null, 0, ipmpInterfaceName(sub, value));
                default -> new Edit(sub, "ipmpGroupRowStatus", inst, Kind.G_STATUS, idx, null, rowStatus(sub, value),
                        null);
            };
        }
        if (oid.size() > IpmpMib.IF_ENTRY.size() + 1 && oid.startsWith(IpmpMib.IF_ENTRY)) {
            int col = oid.get(IpmpMib.IF_ENTRY.size());
            OID inst = suffix(oid, IpmpMib.IF_ENTRY.size() + 1);
            if (col != IpmpMib.IF_GROUP_NAME && col != IpmpMib.IF_STANDBY && col != IpmpMib.IF_OFFLINE) {
                return null;
            }
            if (inst.size() != 1 || inst.getUnsigned(0) == 0 || inst.getUnsigned(0) > Integer.MAX_VALUE) {
                throw new Refusal(sub, PDU.noCreation, "no interface with index " + inst);
            }
            long idx = inst.getUnsigned(0);
            return switch (col) {
                case IpmpMib.IF_GROUP_NAME -> new Edit(sub, "ipmpIfGroupName", inst, Kind.IF_GROUP, idx, null, 0,
                        groupName(sub, value, 0));
                case IpmpMib.IF_STANDBY -> new Edit(sub, "ipmpIfStandby", inst, Kind.IF_STANDBY, idx, null,
                        truth(sub, value), null);
                default -> new Edit(sub, "ipmpIfOffline", inst, Kind.IF_OFFLINE, idx, null, truth(sub, value), null);
            };
        }
        if (oid.size() > IpmpMib.IF_ADDR_ENTRY.size() + 1 && oid.startsWith(IpmpMib.IF_ADDR_ENTRY)) {
            return decodeIfAddr(sub, oid, value);
        }
        if (oid.size() > IpmpMib.GROUP_ADDR_ENTRY.size() + 1 && oid.startsWith(IpmpMib.GROUP_ADDR_ENTRY)) {
            return decodeGroupAddr(sub, oid, value);
        }
        if (oid.size() > IpmpMib.CONF_TARGET_ENTRY.size() + 1 && oid.startsWith(IpmpMib.CONF_TARGET_ENTRY)) {
            int col = oid.get(IpmpMib.CONF_TARGET_ENTRY.size());
            OID inst = suffix(oid, IpmpMib.CONF_TARGET_ENTRY.size() + 1);
            if (col != IpmpMib.CT_STORAGE && col != IpmpMib.CT_ROW_STATUS) {
                return null;
            }
            // index: ipmpGroupIndex, ipmpConfTargetAddressType, length, octets
            if (inst.size() < 3 || inst.getUnsigned(0) == 0) {
                throw new Refusal(sub, PDU.noCreation, "bad index " + inst);
            }
            long gi = inst.getUnsigned(0);
            InetAddress a = indexAddress(sub, inst, "a configured target");
            if (col == IpmpMib.CT_STORAGE) {
                return new Edit(sub, "ipmpConfTargetStorageType", inst, Kind.CT_STORAGE, gi, a, storage(sub, value), null);
            }
            return new Edit(sub, "ipmpConfTargetRowStatus", inst, Kind.CT_STATUS, gi, a, rowStatus(sub, value), null);
        }
        return null;
    }

    /** An ipmpIfAddrEntry column: index ifIndex, ipv4(1)/ipv6(2), length, octets. */
    private static Edit decodeIfAddr(int sub, OID oid, Variable value) throws Refusal {
        int col = oid.get(IpmpMib.IF_ADDR_ENTRY.size());
        OID inst = suffix(oid, IpmpMib.IF_ADDR_ENTRY.size() + 1);
        if (col < IpmpMib.IA_PREFIX || col > IpmpMib.IA_ROW_STATUS) {
            return null;
        }
        if (inst.size() < 3 || inst.getUnsigned(0) == 0 || inst.getUnsigned(0) > Integer.MAX_VALUE) {
            throw new Refusal(sub, PDU.noCreation, "bad index " + inst);
        }
        long ifindex = inst.getUnsigned(0);
        InetAddress a = indexAddress(sub, inst, "an address");
        int len = a.getAddress().length;
        return switch (col) {
            case IpmpMib.IA_PREFIX -> {
                long n = unsigned(sub, value);
                if (n > (len == 4 ? 32 : 128)) {
                    throw new Refusal(sub, PDU.wrongValue, "prefix length " + n + " is longer than the address");
                }
                yield new Edit(sub, "ipmpIfAddrPrefixLength", inst, Kind.IA_PREFIX, ifindex, a, n, null);
            }
            case IpmpMib.IA_USE -> {
                int u = integer(sub, value, "ipmpIfAddrUse");
                if (u != IpmpMib.USE_DATA && u != IpmpMib.USE_TEST) {
                    throw new Refusal(sub, PDU.wrongValue, "ipmpIfAddrUse is data(1) or test(2), not " + u);
                }
                yield new Edit(sub, "ipmpIfAddrUse", inst, Kind.IA_USE, ifindex, a, u, null);
            }
            case IpmpMib.IA_STORAGE -> new Edit(sub, "ipmpIfAddrStorageType", inst, Kind.IA_STORAGE, ifindex, a,
                    storage(sub, value), null);
            default -> new Edit(sub, "ipmpIfAddrRowStatus", inst, Kind.IA_STATUS, ifindex, a, rowStatus(sub, value), null);
        };
    }

    /** An ipmpGroupAddrEntry column: index ipmpGroupIndex, ipv4(1)/ipv6(2), length, octets. */
    private static Edit decodeGroupAddr(int sub, OID oid, Variable value) throws Refusal {
        int col = oid.get(IpmpMib.GROUP_ADDR_ENTRY.size());
        OID inst = suffix(oid, IpmpMib.GROUP_ADDR_ENTRY.size() + 1);
        if (col < IpmpMib.GA_PREFIX || col > IpmpMib.GA_ROW_STATUS) {
            return null;
        }
        if (inst.size() < 3 || inst.getUnsigned(0) == 0) {
            throw new Refusal(sub, PDU.noCreation, "bad index " + inst);
        }
        long gi = inst.getUnsigned(0);
        InetAddress a = indexAddress(sub, inst, "a data address");
        return switch (col) {
            case IpmpMib.GA_PREFIX -> {
                long n = unsigned(sub, value);
                if (n > (a.getAddress().length == 4 ? 32 : 128)) {
                    throw new Refusal(sub, PDU.wrongValue, "prefix length " + n + " is longer than the address");
                }
                yield new Edit(sub, "ipmpGroupAddrPrefixLength", inst, Kind.GA_PREFIX, gi, a, n, null);
            }
            case IpmpMib.GA_STORAGE -> new Edit(sub, "ipmpGroupAddrStorageType", inst, Kind.GA_STORAGE, gi, a,
                    storage(sub, value), null);
            default -> new Edit(sub, "ipmpGroupAddrRowStatus", inst, Kind.GA_STATUS, gi, a, rowStatus(sub, value), null);
        };
    }

    /** ipmpGroupIpmpInterface: empty (none), or a name that begins with a letter and ends with a digit. */
    private static String ipmpInterfaceName(int sub, Variable v) throws Refusal {
        if (!(v instanceof OctetString os) || v.getSyntax() != SMIConstants.SYNTAX_OCTET_STRING) {
            throw new Refusal(sub, PDU.wrongType, "OCTET STRING expected, got " + v.getSyntaxString());
        }
        byte[] b = os.getValue();
        if (b.length > 15) {
            throw new Refusal(sub, PDU.wrongLength, "an IPMP interface name has at most 15 octets, not " + b.length);
        }
        String s = new String(b, StandardCharsets.ISO_8859_1);
        if (!s.isEmpty() && !Engine.validIpmpInterfaceName(s)) {
            throw new Refusal(sub, PDU.wrongValue, "\"" + LogText.quote(s) + "\" is not an IPMP interface name: it "
                    + "begins with a letter, ends with a digit and has letters, digits, '_', '.' or '-' between");
        }
        return s;
    }

    /**
     * The InetAddressType, length and octets that follow the first sub-identifier of an index
     * (ipmpConfTargetEntry, ipmpIfAddrEntry).
     *
     * @param what what the address is, for the refusal
     */
    private static InetAddress indexAddress(int sub, OID inst, String what) throws Refusal {
        long type = inst.getUnsigned(1);
        long len = inst.getUnsigned(2);
        if (len != inst.size() - 3) {
            throw new Refusal(sub, PDU.noCreation, "bad index " + inst + ": address length " + len);
        }
        if ((type != IpmpMib.ADDR_IPV4 && type != IpmpMib.ADDR_IPV6)
                || (type == IpmpMib.ADDR_IPV4 && len != 4) || (type == IpmpMib.ADDR_IPV6 && len != 16)) {
            throw new Refusal(sub, PDU.wrongValue, what + " is ipv4(1) of 4 octets or ipv6(2) of 16 octets, not type "
                    + type + " with " + len + " octets");
        }
        byte[] b = new byte[(int) len];
        for (int i = 0; i < len; i++) {
            long x = inst.getUnsigned(3 + i);
            if (x > 255) {
                throw new Refusal(sub, PDU.noCreation, "bad index " + inst);
            }
            b[i] = (byte) x;
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new Refusal(sub, PDU.wrongValue, "bad address in index " + inst);
        }
    }

    private static OID suffix(OID oid, int from) {
        return new OID(oid.getValue(), from, oid.size() - from);
    }

    private static long unsigned(int sub, Variable v) throws Refusal {
        if (!(v instanceof UnsignedInteger32) || v.getSyntax() != SMIConstants.SYNTAX_UNSIGNED_INTEGER32) {
            throw new Refusal(sub, PDU.wrongType, "Unsigned32 expected, got " + v.getSyntaxString());
        }
        return ((UnsignedInteger32) v).getValue();
    }

    private static int integer(int sub, Variable v, String what) throws Refusal {
        if (!(v instanceof Integer32)) {
            throw new Refusal(sub, PDU.wrongType, what + ": INTEGER expected, got " + v.getSyntaxString());
        }
        return ((Integer32) v).getValue();
    }

    private static long truth(int sub, Variable v) throws Refusal {
        int x = integer(sub, v, "TruthValue");
        if (x != IpmpMib.TRUE && x != IpmpMib.FALSE) {
            throw new Refusal(sub, PDU.wrongValue, "TruthValue is true(1) or false(2), not " + x);
        }
        return x;
    }

    private static long storage(int sub, Variable v) throws Refusal {
        int x = integer(sub, v, "StorageType");
        if (x < 1 || x > 5) {
            throw new Refusal(sub, PDU.wrongValue, "StorageType " + x + " does not exist");
        }
        if (x != IpmpMib.STORAGE_NON_VOLATILE) {
            throw new Refusal(sub, PDU.wrongValue, "only nonVolatile(3) is supported: every group and configured "
                    + "target is written back to the configuration directory");
        }
        return x;
    }

    private static long rowStatus(int sub, Variable v) throws Refusal {
        int x = integer(sub, v, "RowStatus");
        if (x < 1 || x > 6 || x == IpmpMib.ROW_NOT_READY) {
            throw new Refusal(sub, PDU.wrongValue, "RowStatus " + x + " cannot be written");
        }
        return x;
    }

    /** SnmpAdminString group name: UTF-8, minLen..31 octets, no white space or control characters. */
    private static String groupName(int sub, Variable v, int minLen) throws Refusal {
        if (!(v instanceof OctetString os) || v.getSyntax() != SMIConstants.SYNTAX_OCTET_STRING) {
            throw new Refusal(sub, PDU.wrongType, "OCTET STRING expected, got " + v.getSyntaxString());
        }
        byte[] b = os.getValue();
        if (b.length < minLen || b.length > 31) {
            throw new Refusal(sub, PDU.wrongLength, "a group name has " + minLen + " to 31 octets, not " + b.length);
        }
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new Refusal(sub, PDU.wrongValue, "the group name is not UTF-8");
        }
        try {
            Engine.validateGroupName(s);
        } catch (AdminException e) {
            throw new Refusal(sub, PDU.wrongValue, e.getMessage());
        }
        return s;
    }

    // ------------------------------------------------------------------ planning

    /** Builds the change of a PDU against a view; refusals are collected in the plan. */
    private Plan plan(SnmpModel.View v, List<Edit> edits, java.util.function.Predicate<String> configuredOffline) {
        EngineSnapshot s = v.snapshot;
        // run-time offline (if_mpadm -d, the NETCONF offline operation) is state, not configuration
        IpmpConfiguration base = IpmpConfiguration.of(s, configuredOffline);
        Plan p = new Plan();
        p.global = base.global();
        for (GroupConfig g : base.groups()) {
            p.groups.put(g.name(), GroupBuilder.of(g));
        }
        p.pending.putAll(v.pendingGroups);
        p.pendingTargets.addAll(v.pendingTargets);
        for (Edit e : edits) {
            switch (e.kind()) {
                case FDT -> p.global = p.global.withFdt(e.number());
                case FAILBACK -> p.global = p.global.withFailback(e.number() == IpmpMib.TRUE);
                case TRACK -> p.global = p.global.withTrackOnlyWithGroups(e.number() == IpmpMib.TRUE);
                case QUIET -> p.global = p.global.withQuietPeriod(e.number());
                case NOTIFY -> p.notifications = e.number() == IpmpMib.TRUE;
                case NOTIFY_TYPES -> p.notificationTypes = e.number();
                default -> {
                }
            }
        }
        planGroups(v, edits, p);
        planMembers(v, edits, p);
        List<Edit> ipmpRemovals = planIpmpInterfaces(v, edits, p);
        planAddresses(v, edits, p);
        planGroupAddresses(v, edits, p);
        removeIpmpInterfaces(v, ipmpRemovals, p);
        destroyGroups(p);
        planTargets(v, edits, p);
        return p;
    }

    /** Groups destroyed by the PDU: empty once its memberships are applied, or refused. */
    private static void destroyGroups(Plan p) {
        for (Map.Entry<String, Edit> d : p.destroys.entrySet()) {
            String g = d.getKey();
            GroupBuilder b = p.groups.get(g);
            if (b == null) {
                continue;
            }
            if (!b.members.isEmpty() || p.leavers.containsValue(g)) {
                p.refusals.add(new Refusal(d.getValue().sub(), PDU.inconsistentValue, "group " + g
                        + " still has members: they must move to another group first (ipmpIfGroupName, "
                        + "in this request or an earlier one)"));
            } else {
                p.groups.remove(g);
                p.pendingTargets.removeIf(t -> t.groupIndex() == d.getValue().index());
            }
        }
    }

    private static void planGroups(SnmpModel.View v, List<Edit> edits, Plan p) {
        Map<Long, List<Edit>> byIndex = new TreeMap<>();
        for (Edit e : edits) {
            if (e.kind() == Kind.G_NAME || e.kind() == Kind.G_STORAGE || e.kind() == Kind.G_STATUS) {
                byIndex.computeIfAbsent(e.index(), k -> new ArrayList<>()).add(e);
            }
        }
        for (Map.Entry<Long, List<Edit>> en : byIndex.entrySet()) {
            long idx = en.getKey();
            Edit status = null;
            Edit name = null;
            Edit any = en.getValue().get(0);
            for (Edit e : en.getValue()) {
                if (e.kind() == Kind.G_STATUS) {
                    status = e;
                } else if (e.kind() == Kind.G_NAME) {
                    name = e;
                }
            }
            String active = v.groupName(idx);
            SnmpModel.PendingGroup pending = p.pending.get(idx);
            int rs = status == null ? 0 : (int) status.number();
            if (active != null) {
                if (rs == IpmpMib.ROW_CREATE_AND_GO || rs == IpmpMib.ROW_CREATE_AND_WAIT) {
                    p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue, "row " + idx + " exists (group "
                            + active + ")"));
                } else if (rs == IpmpMib.ROW_NOT_IN_SERVICE) {
                    p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue,
                            "notInService is not supported for an active group"));
                } else if (rs == IpmpMib.ROW_DESTROY) {
                    // decided after the memberships of the same PDU (destroyGroups): a PDU may move
                    // a group's last members elsewhere and destroy it
                    p.destroys.put(active, status);
                }
                if (name != null && !name.text().equals(active)) {
                    p.refusals.add(new Refusal(name.sub(), PDU.inconsistentValue, "groups are not renamed (row "
                            + idx + " is group " + active + ")"));
                }
                continue;
            }
            String newName = name != null ? name.text() : pending != null ? pending.name() : null;
            if (name != null && nameTaken(v, p, name.text(), idx)) {
                p.refusals.add(new Refusal(name.sub(), PDU.inconsistentValue, "group name " + LogText.quote(name.text())
                        + " is already used"));
                continue;
            }
            if (pending != null) {
                switch (rs) {
                    case IpmpMib.ROW_CREATE_AND_GO, IpmpMib.ROW_CREATE_AND_WAIT ->
                            p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue, "row " + idx + " exists"));
                    case IpmpMib.ROW_DESTROY -> p.pending.remove(idx);
                    case IpmpMib.ROW_ACTIVE -> {
                        if (newName == null) {
                            p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue,
                                    "row " + idx + " has no ipmpGroupName yet"));
                        } else {
                            p.pending.remove(idx);
                            create(p, idx, newName);
                        }
                    }
                    default -> p.pending.put(idx, new SnmpModel.PendingGroup(newName));
                }
                continue;
            }
            switch (rs) {
                case IpmpMib.ROW_CREATE_AND_GO -> {
                    if (newName == null) {
                        p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue,
                                "createAndGo needs ipmpGroupName in the same request"));
                    } else {
                        create(p, idx, newName);
                    }
                }
                case IpmpMib.ROW_CREATE_AND_WAIT -> p.pending.put(idx, new SnmpModel.PendingGroup(newName));
                case IpmpMib.ROW_DESTROY -> {
                }
                case IpmpMib.ROW_ACTIVE, IpmpMib.ROW_NOT_IN_SERVICE ->
                        p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue, "row " + idx + " does not exist"));
                default -> p.refusals.add(new Refusal(any.sub(), PDU.inconsistentName, "row " + idx
                        + " does not exist: create it with ipmpGroupRowStatus"));
            }
        }
    }

    private static boolean nameTaken(SnmpModel.View v, Plan p, String name, long idx) {
        if (p.groups.containsKey(name) || v.snapshot.group(name).isPresent()) {
            return true;
        }
        for (Map.Entry<Long, SnmpModel.PendingGroup> e : p.pending.entrySet()) {
            if (e.getKey() != idx && name.equals(e.getValue().name())) {
                return true;
            }
        }
        return p.created.containsValue(name);
    }

    private static void create(Plan p, long idx, String name) {
        p.created.put(idx, name);
        p.groups.put(name, new GroupBuilder(name));
    }

    /** The group an index names in this plan (an existing group, or one created by the same PDU). */
    private static String groupOfIndex(SnmpModel.View v, Plan p, long idx) {
        String n = p.created.get(idx);
        if (n != null) {
            return n;
        }
        n = v.groupName(idx);
        return n != null && p.groups.containsKey(n) ? n : null;
    }

    /** The engine's interface with this index, else an interface of the host that is in no group yet. */
    private InterfaceInfo byIndex(EngineSnapshot s, long ifindex) {
        return host.byIndex(s, ifindex);
    }

    /** Lets ipmpIfGroupName put an interface of the host the engine does not model yet into a group. */
    void host(HostInterfaces h) {
        this.host = h;
    }

    private static String groupOfMember(Plan p, String member) {
        for (GroupBuilder b : p.groups.values()) {
            if (b.members.containsKey(member)) {
                return b.name;
            }
        }
        return null;
    }

    private void planMembers(SnmpModel.View v, List<Edit> edits, Plan p) {
        EngineSnapshot s = v.snapshot;
        // membership first, then standby and offline (they apply to the group the member ends up in)
        for (Edit e : edits) {
            if (e.kind() != Kind.IF_GROUP) {
                continue;
            }
            InterfaceInfo i = byIndex(s, e.index());
            if (i == null) {
                p.refusals.add(new Refusal(e.sub(), PDU.noCreation, "no interface with ifIndex " + e.index()));
                continue;
            }
            String cur = groupOfMember(p, i.name());
            String want = e.text();
            if (want.equals(cur == null ? "" : cur)) {
                continue;
            }
            if (!want.isEmpty() && !p.groups.containsKey(want)) {
                p.refusals.add(new Refusal(e.sub(), PDU.inconsistentValue, "there is no group " + LogText.quote(want)
                        + " (create it first through ipmpGroupRowStatus)"));
                continue;
            }
            MemberConfig mc;
            List<DataAddress> own = new ArrayList<>();
            if (cur != null) {
                GroupBuilder old = p.groups.get(cur);
                mc = old.members.remove(i.name());
                old.data.removeIf(d -> {
                    if (d.homeMember().equals(i.name())) {
                        own.add(d);
                        return true;
                    }
                    return false;
                });
            } else {
                mc = new MemberConfig(i.name(), i.standby(), false, List.of());
            }
            if (want.isEmpty()) {
                p.leavers.put(i.name(), cur);
                p.leaverConfigs.put(i.name(), mc);
                p.leaverData.put(i.name(), own);
            } else {
                GroupBuilder to = p.groups.get(want);
                to.members.put(i.name(), new MemberConfig(mc.name(), mc.standby(), mc.offline(), mc.testAddresses()));
                to.data.addAll(own);
            }
        }
        for (Edit e : edits) {
            if (e.kind() != Kind.IF_STANDBY && e.kind() != Kind.IF_OFFLINE) {
                continue;
            }
            InterfaceInfo i = byIndex(s, e.index());
            if (i == null) {
                p.refusals.add(new Refusal(e.sub(), PDU.noCreation, "no interface with ifIndex " + e.index()));
                continue;
            }
            boolean on = e.number() == IpmpMib.TRUE;
            String g = groupOfMember(p, i.name());
            boolean current = e.kind() == Kind.IF_STANDBY ? i.standby() : i.offline();
            if (g == null) {
                if (on == current) {
                    continue;
                }
                p.refusals.add(new Refusal(e.sub(), PDU.inconsistentValue, "interface " + i.name()
                        + " is not in an IPMP group"));
                continue;
            }
            GroupBuilder b = p.groups.get(g);
            MemberConfig m = b.members.get(i.name());
            if (e.kind() == Kind.IF_STANDBY) {
                b.members.put(i.name(), new MemberConfig(m.name(), on, m.offline(), m.testAddresses()));
                if (on && !current && g.equals(i.group())) {
                    p.standbyByEngine.add(i.name());
                }
            } else {
                if (on && !i.offline()) {
                    p.offlined.add(i.name());
                }
                if (!on && i.offline() && !m.offline()) {
                    p.backOnline.add(i.name());
                }
                b.members.put(i.name(), new MemberConfig(m.name(), m.standby(), on, m.testAddresses()));
            }
        }
        rehomeFromStandbys(s, edits, p);
    }

    /**
     * A standby owns no data addresses (seed 003: configured as standby, an interface's data
     * addresses fail over): those homed on a member that is standby in the plan get another home
     * in its group, as the engine's setStandby chooses for ipmpadm: the member that hosts the
     * address now if it can own it, else a usable non-standby member with the fewest, else any
     * non-standby member. None: the SET is refused. This home is what the candidate is checked
     * with; for a member the engine makes standby ({@link Plan#standbyByEngine}) the engine's move
     * decides where the address goes, and the files record where it went.
     */
    private void rehomeFromStandbys(EngineSnapshot s, List<Edit> edits, Plan p) {
        for (GroupBuilder b : p.groups.values()) {
            for (int k = 0; k < b.data.size(); k++) {
                DataAddress d = b.data.get(k);
                MemberConfig home = b.members.get(d.homeMember());
                if (home == null || !home.standby()) {
                    continue;
                }
                String to = newHome(s, b, d);
                if (to == null) {
                    p.refusals.add(new Refusal(subOfMember(s, edits, d.homeMember()), PDU.inconsistentValue,
                            d.homeMember() + " holds data address " + Addresses.format(d.address())
                                    + " and no other member of " + b.name + " that is not standby can take it"));
                    return;
                }
                b.data.set(k, new DataAddress(d.address(), d.prefixLen(), to));
                p.rehomedFrom.put(d.address(), d.homeMember());
            }
        }
    }

    private static String newHome(EngineSnapshot s, GroupBuilder b, DataAddress d) {
        String hostedOn = s.addresses().stream().filter(a -> a.address().equals(d.address())).map(
                EngineSnapshot.AddressInfo::hostedOn).findFirst().orElse(null);
        List<String> candidates = new ArrayList<>();
        for (MemberConfig m : b.members.values()) {
            if (!m.name().equals(d.homeMember()) && !m.standby()) {
                candidates.add(m.name());
            }
        }
        if (hostedOn != null && candidates.contains(hostedOn)) {
            return hostedOn;
        }
        String best = null;
        long bestCount = Long.MAX_VALUE;
        for (String c : candidates) {
            InterfaceInfo i = s.iface(c).orElse(null);
            if (i == null || !usable(i)) {
                continue;
            }
            long count = b.data.stream().filter(x -> x.homeMember().equals(c)).count();
            if (count < bestCount) {
                best = c;
                bestCount = count;
            }
        }
        return best != null ? best : candidates.isEmpty() ? null : candidates.get(0);
    }

    private int subOfMember(EngineSnapshot s, List<Edit> edits, String member) {
        for (Edit e : edits) {
            if (e.kind() == Kind.IF_STANDBY || e.kind() == Kind.IF_GROUP) {
                InterfaceInfo i = byIndex(s, e.index());
                if (i != null && i.name().equals(member)) {
                    return e.sub();
                }
            }
        }
        return edits.isEmpty() ? 0 : edits.get(0).sub();
    }

    /**
     * ipmpIfAddrTable rows: a data address (addif) or test address added with createAndGo, removed
     * with destroy (removeif); the member must be in a group in this plan (it may join in the same PDU).
     */
    private void planAddresses(SnmpModel.View v, List<Edit> edits, Plan p) {
        for (List<Edit> row : rows(edits, Set.of(Kind.IA_PREFIX, Kind.IA_USE, Kind.IA_STORAGE, Kind.IA_STATUS))) {
            Edit any = row.get(0);
            Edit status = null;
            Edit prefix = null;
            Edit use = null;
            for (Edit e : row) {
                switch (e.kind()) {
                    case IA_STATUS -> status = e;
                    case IA_PREFIX -> prefix = e;
                    case IA_USE -> use = e;
                    default -> {
                    }
                }
            }
            InterfaceInfo i = byIndex(v.snapshot, any.index());
            if (i == null) {
                p.refusals.add(new Refusal(any.sub(), PDU.noCreation, "no interface with ifIndex " + any.index()));
                continue;
            }
            String g = groupOfMember(p, i.name());
            InetAddress a = any.address();
            GroupBuilder b = g == null ? null : p.groups.get(g);
            MemberConfig m = b == null ? null : b.members.get(i.name());
            boolean isData = b != null && b.data.stream().anyMatch(d -> d.address().equals(a)
                    && d.homeMember().equals(i.name()));
            boolean isTest = m != null && m.testAddresses().stream().anyMatch(t -> t.address().equals(a));
            int rs = status == null ? 0 : (int) status.number();
            if (rs == IpmpMib.ROW_DESTROY) {
                if (isData) {
                    b.data.removeIf(d -> d.address().equals(a));
                } else if (isTest) {
                    b.members.put(m.name(), new MemberConfig(m.name(), m.standby(), m.offline(),
                            m.testAddresses().stream().filter(t -> !t.address().equals(a)).toList()));
                }
                continue;
            }
            if (rs == IpmpMib.ROW_CREATE_AND_WAIT || rs == IpmpMib.ROW_NOT_IN_SERVICE) {
                p.refusals.add(new Refusal(status.sub(), PDU.wrongValue, "an address row is created with createAndGo "
                        + "(createAndWait and notInService are not supported)"));
                continue;
            }
            if (rs != IpmpMib.ROW_CREATE_AND_GO) {
                if (!isData && !isTest) {
                    p.refusals.add(new Refusal(any.sub(), rs == IpmpMib.ROW_ACTIVE ? PDU.inconsistentValue
                            : PDU.inconsistentName, "row does not exist: create it with ipmpIfAddrRowStatus createAndGo"));
                } else if (prefix != null || use != null) {
                    p.refusals.add(new Refusal((prefix != null ? prefix : use).sub(), PDU.inconsistentValue,
                            "the columns of an active address row cannot be changed: destroy it and create it again"));
                }
                continue;
            }
            if (isData || isTest) {
                p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue, "address " + Addresses.format(a)
                        + " of " + i.name() + " exists"));
                continue;
            }
            if (m == null) {
                p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue, "interface " + i.name()
                        + " is in no group: it joins one first (ipmpIfGroupName, in this request or an earlier one)"));
                continue;
            }
            if (prefix == null) {
                p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue,
                        "createAndGo needs ipmpIfAddrPrefixLength in the same request"));
                continue;
            }
            int len = (int) prefix.number();
            if (use != null && use.number() == IpmpMib.USE_TEST) {
                ipmpd.engine.Family f = ipmpd.engine.Family.of(a);
                if (m.test(f).isPresent()) {
                    p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue, i.name() + " has a test address of "
                            + "that family already (" + Addresses.format(m.test(f).get().address())
                            + "): destroy its row first"));
                    continue;
                }
                List<IpmpConfiguration.TestAddress> tests = new ArrayList<>(m.testAddresses());
                tests.add(new IpmpConfiguration.TestAddress(a, len));
                b.members.put(m.name(), new MemberConfig(m.name(), m.standby(), m.offline(), List.copyOf(tests)));
            } else {
                b.data.add(new DataAddress(a, len, i.name()));
            }
        }
    }

    /**
     * ipmpGroupIpmpInterface: a name on a group without one creates its IPMP interface (data
     * addresses its members had go to it, as the engine adopts them); the removals (empty string)
     * are returned, decided once the PDU's address rows are planned.
     */
    private List<Edit> planIpmpInterfaces(SnmpModel.View v, List<Edit> edits, Plan p) {
        List<Edit> removals = new ArrayList<>();
        for (Edit e : edits) {
            if (e.kind() != Kind.G_IPMP_IF) {
                continue;
            }
            String g = groupOfIndex(v, p, e.index());
            if (g == null) {
                p.refusals.add(new Refusal(e.sub(), PDU.inconsistentName, "ipmpGroupIndex " + e.index()
                        + " does not identify an active group (create the row in the same request or an earlier one)"));
                continue;
            }
            GroupBuilder b = p.groups.get(g);
            String want = e.text();
            String cur = b.ipmpInterface;
            if (want.equals(cur == null ? "" : cur)) {
                continue;
            }
            if (want.isEmpty()) {
                removals.add(e);
                continue;
            }
            if (cur != null) {
                p.refusals.add(new Refusal(e.sub(), PDU.inconsistentValue, "group " + g + " has the IPMP interface "
                        + cur + " (an IPMP interface is not renamed: remove it first)"));
                continue;
            }
            String taken = interfaceNamed(v, p, want);
            if (taken != null) {
                p.refusals.add(new Refusal(e.sub(), PDU.inconsistentValue, want + " is " + taken));
                continue;
            }
            b.ipmpInterface = want;
            b.data.replaceAll(d -> new DataAddress(d.address(), d.prefixLen(), want));
        }
        return removals;
    }

    /** What NAME already is (an interface of the host, a member, another group's IPMP interface), or null. */
    private String interfaceNamed(SnmpModel.View v, Plan p, String name) {
        for (GroupBuilder o : p.groups.values()) {
            if (name.equals(o.ipmpInterface)) {
                return "the IPMP interface of group " + o.name;
            }
            if (o.members.containsKey(name)) {
                return "a member of group " + o.name;
            }
        }
        if (v.snapshot.ipmpInterface(name).isPresent()) {
            return "an IPMP interface already";
        }
        if (v.snapshot.iface(name).isPresent() || host.notIn(v.snapshot).stream().anyMatch(i -> i.name().equals(name))) {
            return "an interface of this host";
        }
        return null;
    }

    /** IPMP interfaces removed by the PDU: only once their group has no member and they hold no address. */
    private static void removeIpmpInterfaces(SnmpModel.View v, List<Edit> removals, Plan p) {
        for (Edit e : removals) {
            String g = groupOfIndex(v, p, e.index());
            GroupBuilder b = g == null ? null : p.groups.get(g);
            if (b == null || b.ipmpInterface == null) {
                continue;
            }
            String ipmp = b.ipmpInterface;
            if (!b.members.isEmpty()) {
                p.refusals.add(new Refusal(e.sub(), PDU.inconsistentValue, "IPMP group " + g + " still has members "
                        + "(they leave first, through ipmpIfGroupName): " + ipmp + " stays"));
            } else if (b.data.stream().anyMatch(d -> d.homeMember().equals(ipmp))) {
                p.refusals.add(new Refusal(e.sub(), PDU.inconsistentValue, ipmp + " still holds data addresses "
                        + "(destroy their ipmpGroupAddrTable rows first, or in the same request)"));
            } else {
                b.ipmpInterface = null;
                // Members leaving in the same PDU leave with the configuration, before the
                // interface is unplumbed (they hold no data addresses to keep meanwhile).
                p.leavers.values().removeIf(g::equals);
            }
        }
    }

    /** ipmpGroupAddrTable rows: data addresses of a group's IPMP interface, createAndGo and destroy. */
    private static void planGroupAddresses(SnmpModel.View v, List<Edit> edits, Plan p) {
        for (List<Edit> row : rows(edits, Set.of(Kind.GA_PREFIX, Kind.GA_STORAGE, Kind.GA_STATUS))) {
            Edit any = row.get(0);
            Edit status = row.stream().filter(e -> e.kind() == Kind.GA_STATUS).findFirst().orElse(null);
            Edit prefix = row.stream().filter(e -> e.kind() == Kind.GA_PREFIX).findFirst().orElse(null);
            String g = groupOfIndex(v, p, any.index());
            if (g == null) {
                p.refusals.add(new Refusal(any.sub(), PDU.inconsistentName, "ipmpGroupIndex " + any.index()
                        + " does not identify an active group"));
                continue;
            }
            GroupBuilder b = p.groups.get(g);
            InetAddress a = any.address();
            String ipmp = b.ipmpInterface;
            boolean exists = ipmp != null && b.data.stream().anyMatch(d -> d.address().equals(a)
                    && d.homeMember().equals(ipmp));
            int rs = status == null ? 0 : (int) status.number();
            switch (rs) {
                case IpmpMib.ROW_DESTROY -> {
                    if (exists) {
                        b.data.removeIf(d -> d.address().equals(a));
                    }
                }
                case IpmpMib.ROW_CREATE_AND_WAIT, IpmpMib.ROW_NOT_IN_SERVICE -> p.refusals.add(new Refusal(status.sub(),
                        PDU.wrongValue, "an address row is created with createAndGo (createAndWait and notInService "
                        + "are not supported)"));
                case IpmpMib.ROW_CREATE_AND_GO -> {
                    if (ipmp == null) {
                        p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue, "group " + g + " has no IPMP "
                                + "interface (set ipmpGroupIpmpInterface, in this request or an earlier one)"));
                    } else if (exists) {
                        p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue, "address "
                                + Addresses.format(a) + " of " + ipmp + " exists"));
                    } else if (prefix == null) {
                        p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue,
                                "createAndGo needs ipmpGroupAddrPrefixLength in the same request"));
                    } else {
                        b.data.add(new DataAddress(a, (int) prefix.number(), ipmp));
                    }
                }
                default -> {
                    if (!exists) {
                        p.refusals.add(new Refusal(any.sub(), rs == IpmpMib.ROW_ACTIVE ? PDU.inconsistentValue
                                : PDU.inconsistentName, "row does not exist: create it with ipmpGroupAddrRowStatus "
                                + "createAndGo"));
                    } else if (prefix != null) {
                        p.refusals.add(new Refusal(prefix.sub(), PDU.inconsistentValue, "the columns of an active "
                                + "address row cannot be changed: destroy it and create it again"));
                    }
                }
            }
        }
    }

    /** The edits of these columns by row (first index and address), in the order of the PDU. */
    private static java.util.Collection<List<Edit>> rows(List<Edit> edits, Set<Kind> columns) {
        Map<String, List<Edit>> byRow = new LinkedHashMap<>();
        for (Edit e : edits) {
            if (columns.contains(e.kind())) {
                byRow.computeIfAbsent(e.index() + "/" + Addresses.format(e.address()), k -> new ArrayList<>()).add(e);
            }
        }
        return byRow.values();
    }

    private static void planTargets(SnmpModel.View v, List<Edit> edits, Plan p) {
        for (List<Edit> row : rows(edits, Set.of(Kind.CT_STATUS, Kind.CT_STORAGE))) {
            Edit any = row.get(0);
            Edit status = row.stream().filter(e -> e.kind() == Kind.CT_STATUS).findFirst().orElse(null);
            String g = groupOfIndex(v, p, any.index());
            if (g == null) {
                p.refusals.add(new Refusal(any.sub(), PDU.inconsistentName, "ipmpGroupIndex " + any.index()
                        + " does not identify an active group"));
                continue;
            }
            GroupBuilder b = p.groups.get(g);
            InetAddress a = any.address();
            SnmpModel.PendingTarget pt = new SnmpModel.PendingTarget(any.index(), a);
            boolean active = b.targets.contains(a);
            boolean pending = p.pendingTargets.contains(pt);
            int rs = status == null ? 0 : (int) status.number();
            switch (rs) {
                case IpmpMib.ROW_CREATE_AND_GO, IpmpMib.ROW_CREATE_AND_WAIT -> {
                    if (active || pending) {
                        p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue, "target "
                                + Addresses.format(a) + " of group " + g + " exists"));
                    } else if (rs == IpmpMib.ROW_CREATE_AND_GO) {
                        b.targets.add(a);
                    } else {
                        p.pendingTargets.add(pt);
                    }
                }
                case IpmpMib.ROW_ACTIVE -> {
                    if (pending) {
                        p.pendingTargets.remove(pt);
                        b.targets.add(a);
                    } else if (!active) {
                        p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue, "row does not exist"));
                    }
                }
                case IpmpMib.ROW_NOT_IN_SERVICE -> {
                    if (active) {
                        p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue,
                                "notInService is not supported for an active target"));
                    } else if (!pending) {
                        p.refusals.add(new Refusal(status.sub(), PDU.inconsistentValue, "row does not exist"));
                    }
                }
                case IpmpMib.ROW_DESTROY -> {
                    b.targets.remove(a);
                    p.pendingTargets.remove(pt);
                }
                default -> {
                    if (!active && !pending) {
                        p.refusals.add(new Refusal(any.sub(), PDU.inconsistentName,
                                "row does not exist: create it with ipmpConfTargetRowStatus"));
                    }
                }
            }
        }
    }

    /** The engine's rules: the validator on the whole candidate, and the rules of the live state. */
    private void check(Plan p, EngineSnapshot s, List<Edit> edits) {
        if (!p.refusals.isEmpty()) {
            return;
        }
        IpmpConfiguration candidate = p.candidate();
        for (ConfigProblem pr : store.validate(candidate)) {
            int status = pr.kind() == ConfigProblem.Kind.INVALID_VALUE ? PDU.wrongValue : PDU.inconsistentValue;
            p.refusals.add(new Refusal(subFor(pr.path(), s, edits), status, pr.message()));
        }
        for (String m : p.offlined) {
            String g = groupOfMember(p, m);
            boolean other = false;
            for (MemberConfig q : p.groups.get(g).members.values()) {
                if (q.name().equals(m) || q.offline()) {
                    continue;
                }
                InterfaceInfo qi = s.iface(q.name()).orElse(null);
                if (qi != null && usable(qi)) {
                    other = true;
                }
            }
            if (!other) {
                p.refusals.add(new Refusal(subFor("member[name='" + m + "']", s, edits), PDU.inconsistentValue,
                        "cannot offline " + m + ": no other functioning interfaces are in its IPMP group"));
            }
        }
        // A member that leaves or moves must not strand addresses of other members it hosts.
        for (InterfaceInfo i : s.interfaces()) {
            if (i.group() == null || i.group().equals(groupOfMember(p, i.name()))) {
                continue;
            }
            boolean hostsOthers = s.addresses().stream().anyMatch(a -> i.name().equals(a.hostedOn())
                    && !i.name().equals(a.homeIf()));
            if (!hostsOthers) {
                continue;
            }
            boolean other = s.interfaces().stream().anyMatch(q -> !q.name().equals(i.name())
                    && i.group().equals(q.group()) && usable(q));
            if (!other) {
                p.refusals.add(new Refusal(subFor("member[name='" + i.name() + "']", s, edits), PDU.inconsistentValue,
                        i.name() + " hosts data addresses of other members of " + i.group()
                                + " and no other member of the group can take them"));
            }
        }
    }

    private static boolean usable(InterfaceInfo i) {
        return i.present() && i.link() == EngineSnapshot.LinkState.UP && !i.failed() && !i.offline();
    }

    /** The varbind a configuration problem is about (by the member or group its path names). */
    private int subFor(String path, EngineSnapshot s, List<Edit> edits) {
        String member = between(path, "member[name='");
        if (member != null) {
            for (Edit e : edits) {
                if ((e.kind() == Kind.IF_GROUP || e.kind() == Kind.IF_STANDBY || e.kind() == Kind.IF_OFFLINE)) {
                    InterfaceInfo i = byIndex(s, e.index());
                    if (i != null && i.name().equals(member)) {
                        return e.sub();
                    }
                }
            }
        }
        String data = between(path, "data-address[address='");
        if (data != null) {
            for (Edit e : edits) {
                if (e.address() != null && (e.kind() == Kind.GA_STATUS || e.kind() == Kind.IA_STATUS)
                        && Addresses.format(e.address()).equals(data)) {
                    return e.sub();
                }
            }
        }
        String group = between(path, "group[name='");
        if (group != null && path.contains("/ipmp-interface")) {
            for (Edit e : edits) {
                if (e.kind() == Kind.G_IPMP_IF) {
                    return e.sub();
                }
            }
        }
        if (group != null) {
            for (Edit e : edits) {
                if ((e.kind() == Kind.G_NAME && group.equals(e.text())) || (e.kind() == Kind.IF_GROUP
                        && group.equals(e.text()))) {
                    return e.sub();
                }
            }
        }
        if (path.contains("failure-detection-time")) {
            for (Edit e : edits) {
                if (e.kind() == Kind.FDT) {
                    return e.sub();
                }
            }
        }
        return edits.isEmpty() ? 0 : edits.get(0).sub();
    }

    private static String between(String path, String start) {
        int i = path.indexOf(start);
        if (i < 0) {
            return null;
        }
        int j = path.indexOf("']", i + start.length());
        return j < 0 ? null : path.substring(i + start.length(), j);
    }
}
