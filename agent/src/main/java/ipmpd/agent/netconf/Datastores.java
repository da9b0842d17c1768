package ipmpd.agent.netconf;

import ipmpd.agent.ConfigStore;
import ipmpd.agent.EngineLoop;
import ipmpd.agent.IpmpdLog;
import ipmpd.engine.config.ConfigException;
import ipmpd.engine.config.ConfigProblem;
import ipmpd.engine.config.IpmpConfiguration;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The NETCONF datastores: {@code running} is the engine's configuration ({@link ConfigStore}, the
 * one store shared with SNMP SETs and the files; it is also the startup configuration, since
 * ConfigStore persists every commit), and {@code candidate} is a tree shared by all sessions
 * (RFC 6241 section 8.3). Also the global locks and the confirmed commit (RFC 6241 section 8.4,
 * :confirmed-commit:1.1). Every method is synchronised: one configuration operation at a time.
 */
final class Datastores {
    static final String RUNNING = "running";
    static final String CANDIDATE = "candidate";

    enum TestOption { TEST_THEN_SET, SET, TEST_ONLY, DEFAULT }

    enum ErrorOption { STOP, CONTINUE, ROLLBACK }

    record Lock(int sessionId, Instant since) {
    }

    /** What RFC 6470 notifications report (session 0: the server itself). */
    interface Events {
        /** running changed; the operation is the edit operation on the whole tree. */
        void configChanged(int sid, String operation);

        /** start, extend (with the timeout), complete, cancel, timeout. */
        void confirmedCommit(int sid, String event, long timeoutS);
    }

    private final YangSchema schema;
    private final ConfigValidation validation;
    /** The commits' semantic checks, relative to the latest candidate that passed them. */
    private final IncrementalSemantics commitSemantics;
    private final EngineLoop loop;
    private final ConfigStore store;
    private final IpmpdLog log;
    private final ScheduledExecutorService timer;
    private final Map<String, Lock> locks = new LinkedHashMap<>();
    private final Events events;
    /** The access control: /nacm is configured in these datastores too. */
    private final Nacm nacm;

    /** The candidate tree (a wrapper holding the top-level nodes); null while it equals running. */
    private Element candidate;

    /** The candidate's /nacm (set with candidate). */
    private NacmConfig candidateNacm;

    /** The /nacm to restore when a confirmed commit is rolled back (null: it did not change). */
    private NacmConfig rollbackNacm;

    /** The running configuration when the candidate was first edited (or copied to); null with it. */
    private IpmpConfiguration candidateBase;

    private IpmpConfiguration rollbackTo;
    private int confirmOwner;
    private String persistId;
    private ScheduledFuture<?> confirmTimer;

    Datastores(YangSchema schema, EngineLoop loop, ConfigStore store, IpmpdLog log, ScheduledExecutorService timer,
               Events events, Nacm nacm) {
        this.events = events;
        this.nacm = nacm;
        this.schema = schema;
        this.validation = new ConfigValidation(schema);
        this.commitSemantics = new IncrementalSemantics(schema, validation);
        this.loop = loop;
        this.store = store;
        this.log = log;
        this.timer = timer;
    }

    // ------------------------------------------------------------------ reading

    /**
     * The running configuration as last read or committed; kept while the engine's model
     * generation and the members configured offline stay the same (then no engine round trip).
     */
    private volatile ConfigStore.Running runningCache;

    /** The running configuration: the kept one while current, else read on the engine thread. */
    IpmpConfiguration running() throws RpcError {
        return runningState().config();
    }

    private ConfigStore.Running runningState() throws RpcError {
        ConfigStore.Running r = runningCache;
        if (r != null && r.current(loop.published().modelGeneration(), store)) {
            return r;
        }
        try {
            r = loop.call(() -> store.running(loop.engine()));
        } catch (Exception e) {
            throw RpcError.failed("cannot read the running configuration: " + e);
        }
        runningCache = r;
        return r;
    }

    /** The tree of a datastore (a wrapper of its top-level nodes), in a new element of {@code doc}. */
    synchronized Element tree(Document doc, String source) throws RpcError {
        if (CANDIDATE.equals(source) && candidate != null) {
            return DataTree.copy(doc, candidate);
        }
        if (RUNNING.equals(source) || CANDIDATE.equals(source)) {
            return ConfigXml.toXml(doc, running());
        }
        throw RpcError.protocolInvalidValue("unknown datastore " + source);
    }

    /**
     * A datastore's tree as get-config reports it with a with-defaults mode (the
     * candidate's leaves were set by clients; running's leaves that hold their default were not).
     */
    synchronized Element view(Document doc, String source, WithDefaults.Mode mode) throws RpcError {
        Element t = tree(doc, source);
        if (t != null) {
            WithDefaults.apply(t, schema.root(), mode, CANDIDATE.equals(source) && candidate != null);
        }
        return t;
    }

    /**
     * The tree an edit starts from: the candidate as clients left it, or running without the leaves
     * that hold their default (set by no client: "create" may set them, "delete" finds nothing).
     */
    private Element editBase(Document doc, String target) throws RpcError {
        Element t = tree(doc, target);
        if (t != null && !(CANDIDATE.equals(target) && candidate != null)) {
            WithDefaults.trimConfig(t, schema.root());
        }
        return t;
    }

    /** A datastore's {@code /nacm} configuration. */
    synchronized NacmConfig nacmConfig(String source) throws RpcError {
        checkDatastore(source);
        if (CANDIDATE.equals(source) && candidate != null) {
            return candidateNacm;
        }
        return nacm.running();
    }

    /** A datastore's {@code <nacm>} tree (configuration), in a new element of {@code doc}. */
    Element nacmView(Document doc, String source) throws RpcError {
        return nacmConfig(source).toXml(doc);
    }

    /** The members offline by configuration (read on any thread; a file read). */
    java.util.Set<String> configuredOffline() {
        return store.configuredOffline();
    }

    synchronized boolean candidateModified() {
        return candidate != null;
    }

    synchronized Map<String, Lock> locks() {
        return new LinkedHashMap<>(locks);
    }

    // ------------------------------------------------------------------ locks

    synchronized void lock(int sid, String target) throws RpcError {
        checkDatastore(target);
        Lock l = locks.get(target);
        if (l != null) {
            throw RpcError.lockDenied(l.sessionId(), "the " + target + " datastore is locked by session " + l.sessionId());
        }
        if (CANDIDATE.equals(target) && candidate != null) {
            throw RpcError.lockDenied(0, "the candidate datastore has uncommitted changes");
        }
        locks.put(target, new Lock(sid, Instant.now()));
    }

    synchronized void unlock(int sid, String target) throws RpcError {
        checkDatastore(target);
        Lock l = locks.get(target);
        if (l == null || l.sessionId() != sid) {
            throw RpcError.failed("the " + target + " datastore is not locked by this session");
        }
        locks.remove(target);
        if (CANDIDATE.equals(target)) {
            candidate = null; // RFC 6241 8.3.5.2: changes made under the lock are discarded
        }
    }

    private void checkDatastore(String target) throws RpcError {
        if (!RUNNING.equals(target) && !CANDIDATE.equals(target)) {
            throw RpcError.protocolInvalidValue("unknown datastore " + target);
        }
    }

    private void checkWritable(int sid, String target) throws RpcError {
        Lock l = locks.get(target);
        if (l != null && l.sessionId() != sid) {
            throw RpcError.lockDenied(l.sessionId(), "the " + target + " datastore is locked by session " + l.sessionId());
        }
    }

    /** A session ended (closed, killed, dropped): its locks go; its unconfirmed commit is rolled back. */
    synchronized void sessionEnded(int sid) {
        Lock c = locks.get(CANDIDATE);
        if (c != null && c.sessionId() == sid) {
            candidate = null;
        }
        locks.values().removeIf(l -> l.sessionId() == sid);
        if (rollbackTo != null && confirmOwner == sid && persistId == null) {
            log.notice("NETCONF: session " + sid + " ended before confirming its commit; rolling back");
            rollback();
            events.confirmedCommit(sid, "cancel", 0);
            events.configChanged(sid, "replace");
        }
    }

    // ------------------------------------------------------------------ edit-config, copy-config, validate

    /**
     * @param access the user's access control: a change it does not permit is refused with
     *               access-denied before anything changes (null: not checked)
     */
    synchronized List<RpcError> edit(int sid, String target, Element config, EditConfig.Op defaultOp,
                                     TestOption test, ErrorOption errorOption, NacmAccess access)
            throws RpcError, RpcError.Many {
        checkDatastore(target);
        checkWritable(sid, target);
        List<Element> nacmEdits = Xml.children(config, NacmConfig.NS, "nacm");
        for (Element e : Xml.children(config)) {
            if (NacmConfig.NS.equals(e.getNamespaceURI())) {
                if (!e.getLocalName().equals("nacm")) {
                    throw RpcError.unknownElement(RpcError.Type.APPLICATION, e.getLocalName(),
                            "unknown element " + e.getLocalName(), null);
                }
                config.removeChild(e); // /nacm is edited here, the rest by EditConfig
            }
        }
        boolean ipmpEdited = !Xml.children(config).isEmpty();
        Document doc = Xml.newDocument();
        IpmpConfiguration base = CANDIDATE.equals(target) && candidate == null ? running() : candidateBase;
        Element wrapper = editBase(doc, target);
        doc.appendChild(wrapper);
        NacmConfig nacmBefore = nacmConfig(target);
        boolean check = access != null && !access.permitsAllWrites();
        Element before = null;
        if (check) {
            before = (Element) wrapper.cloneNode(true);
            before.appendChild(nacmBefore.toXml(doc));
        }
        EditConfig edit = new EditConfig(schema, defaultOp, errorOption == ErrorOption.CONTINUE);
        edit.apply(wrapper, config);
        List<RpcError> editErrors = new ArrayList<>(edit.errors());
        NacmConfig nacmAfter = nacmBefore;
        if (!nacmEdits.isEmpty()) {
            Element nw = doc.createElementNS(Xml.BASE, "config");
            nw.appendChild(nacmBefore.toXml(doc));
            for (Element e : nacmEdits) {
                try {
                    NacmEdit.apply(nw, e, defaultOp);
                } catch (RpcError err) {
                    if (errorOption != ErrorOption.CONTINUE) {
                        throw err;
                    }
                    editErrors.add(err);
                }
            }
            Element n = Xml.child(nw, NacmConfig.NS, "nacm");
            nacmAfter = NacmConfig.parse(n != null ? n : doc.createElementNS(NacmConfig.NS, "nacm"));
        }
        DataTree.normalize(wrapper, schema.root());
        if (check) {
            Element nacmTree = nacmAfter.toXml(doc);
            wrapper.appendChild(nacmTree);
            try {
                nacm.checkWrite(access, before, wrapper);
            } finally {
                wrapper.removeChild(nacmTree);
            }
        }
        boolean nacmChanged = !nacmEdits.isEmpty()
                && !java.util.Arrays.equals(Nacm.bytes(nacmBefore), Nacm.bytes(nacmAfter));
        boolean full = RUNNING.equals(target) || test == TestOption.TEST_THEN_SET || test == TestOption.TEST_ONLY;
        Element ipmp = wrapper;
        List<RpcError> errs = validation.checkStructure(wrapper);
        if (!errs.isEmpty()) {
            throw many(editErrors, errs);
        }
        if (full) {
            // The candidate's structure was checked just above; its semantics are checked against
            // the latest candidate that passed, so the commit that follows finds nothing changed.
            IpmpConfiguration next = CANDIDATE.equals(target) ? validateFully(ipmp, editErrors, running(), true)
                    : ipmpEdited ? validateFully(ipmp, editErrors) : null;
            if (test == TestOption.TEST_ONLY) {
                return editErrors;
            }
            if (RUNNING.equals(target)) {
                Map<String, byte[]> also = nacmChanged ? Map.of(Nacm.FILE, Nacm.bytes(nacmAfter)) : Map.of();
                if (next != null) {
                    commitToEngine(next, editErrors, null, also);
                } else {
                    writeNacm(also);
                }
                if (nacmChanged) {
                    nacm.committed(nacmAfter);
                }
                if (next != null || nacmChanged) {
                    events.configChanged(sid, defaultOp == EditConfig.Op.REPLACE ? "replace" : "merge");
                }
                return editErrors;
            }
        } else if (test == TestOption.TEST_ONLY) {
            return editErrors;
        }
        candidateBase = base;
        candidate = wrapper;
        candidateNacm = nacmAfter;
        return editErrors;
    }

    /** Writes a /nacm change of running that comes without a change of the ipmpd configuration. */
    private void writeNacm(Map<String, byte[]> files) throws RpcError {
        try {
            store.journal().commit(files, List.of());
        } catch (IOException e) {
            throw RpcError.failed("the access control configuration could not be saved (" + e.getMessage()
                    + "); nothing was changed");
        }
    }

    /** The {@code <nacm>} element of an inline configuration, taken out of it (null when it has none). */
    private static Element takeNacm(Element config) throws RpcError {
        Element found = null;
        for (Element e : Xml.children(config)) {
            if (NacmConfig.NS.equals(e.getNamespaceURI())) {
                if (!e.getLocalName().equals("nacm") || found != null) {
                    throw RpcError.unknownElement(RpcError.Type.APPLICATION, e.getLocalName(),
                            "unexpected element " + e.getLocalName(), null);
                }
                found = e;
                config.removeChild(e);
            }
        }
        return found;
    }

    /**
     * A candidate edited before an out-of-band change of running (ipmpadm, SNMP SET, SIGHUP,
     * another session's edit of running) holds the old value of the nodes that change touched:
     * committing it would undo that change without anyone asking. Refused, saying what changed;
     * out-of-band changes the candidate leaves as they are now do not stop the commit.
     */
    private void refuseUndoingOutOfBandChanges(IpmpConfiguration next, IpmpConfiguration now) throws RpcError {
        if (candidateBase == null || candidateBase.equals(now)) {
            return;
        }
        List<String> outOfBand = ipmpd.engine.config.ConfigDiff.describe(candidateBase, now);
        List<String> commitWouldChange = ipmpd.engine.config.ConfigDiff.describe(next, now);
        List<String> undone = new ArrayList<>();
        for (String change : outOfBand) {
            String node = node(change);
            if (commitWouldChange.stream().anyMatch(c -> node(c).equals(node))) {
                undone.add(change);
            }
        }
        if (!undone.isEmpty()) {
            throw RpcError.failed("the running configuration changed after the candidate was first edited "
                    + "(ipmpadm, SNMP, SIGHUP or another session): " + String.join("; ", undone)
                    + "; committing the candidate would undo that, so nothing was committed "
                    + "(discard-changes, then edit again)");
        }
    }

    /** The node a {@link ipmpd.engine.config.ConfigDiff} phrase is about ("member m3 of group g0"). */
    private static String node(String phrase) {
        String[] w = phrase.split("[ :]+");
        if (w[0].equals("member") || w[0].equals("group")) {
            return w[0] + " " + w[1]; // a member's or a group's own settings
        }
        if (w[0].equals("data")) {
            return "data " + w[2];
        }
        return phrase;
    }

    private static RpcError.Many many(List<RpcError> first, List<RpcError> more) {
        List<RpcError> all = new ArrayList<>(first);
        all.addAll(more);
        return new RpcError.Many(all);
    }

    /** YANG checks, then the engine's rules; returns the configuration value. */
    private IpmpConfiguration validateFully(Element ipmp, List<RpcError> earlier) throws RpcError, RpcError.Many {
        return validateFully(ipmp, earlier, running());
    }

    /** The same, with the running configuration already read. */
    private IpmpConfiguration validateFully(Element ipmp, List<RpcError> earlier, IpmpConfiguration running)
            throws RpcError, RpcError.Many {
        return validateFully(ipmp, earlier, running, false);
    }

    /**
     * @param structureChecked the tree passed {@link ConfigValidation#checkStructure} already and
     *        has not changed since (the candidate: every edit-config and copy-config checks it);
     *        its semantics are then checked by {@link #commitSemantics}, which re-checks only
     *        what differs from the latest candidate that passed (the commit's hot path)
     */
    private IpmpConfiguration validateFully(Element ipmp, List<RpcError> earlier, IpmpConfiguration running,
                                            boolean structureChecked) throws RpcError, RpcError.Many {
        List<RpcError> errs = ipmp == null || structureChecked ? List.of() : validation.checkStructure(ipmp);
        if (errs.isEmpty()) {
            errs = structureChecked ? commitSemantics.check(ipmp) : validation.checkSemantics(ipmp);
        }
        if (!errs.isEmpty()) {
            throw many(earlier, errs);
        }
        IpmpConfiguration next = ConfigXml.fromXml(schema, ipmp, running);
        List<ConfigProblem> problems = store.validate(next);
        if (!problems.isEmpty()) {
            List<RpcError> pe = new ArrayList<>();
            for (ConfigProblem p : problems) {
                pe.add(ConfigXml.error(p));
            }
            throw many(earlier, pe);
        }
        return next;
    }

    /**
     * Applies and persists a whole configuration, validated completely already (YANG and the
     * engine's rules, {@link #validateFully}), through the ConfigStore (all or nothing). Only the
     * apply runs on the engine thread; the changed files are written and flushed here before
     * success is reported.
     */
    private void commitToEngine(IpmpConfiguration next, List<RpcError> earlier) throws RpcError, RpcError.Many {
        commitToEngine(next, earlier, null, Map.of());
    }

    /** @param also other files of the same commit (the access control), written in the same atomic step */
    private void commitToEngine(IpmpConfiguration next, List<RpcError> earlier, CommitEvent ev,
                                Map<String, byte[]> also) throws RpcError, RpcError.Many {
        try {
            ConfigStore.Running before = runningCache;
            long t0 = System.nanoTime();
            ConfigStore.Taken taken = loop.call(() -> store.applyValidated(loop.engine(), before, next));
            long t1 = System.nanoTime();
            ConfigStore.Applied a = taken.render();
            try {
                store.write(a, also);
            } catch (IOException e) {
                undo(taken, e);
                throw RpcError.failed("the configuration could not be saved (" + e.getMessage()
                        + "); nothing was changed");
            }
            runningCache = a.after();
            if (ev != null) {
                ev.engineNs = t1 - t0;
                ev.writeNs = System.nanoTime() - t1;
            }
        } catch (ConfigException e) {
            List<RpcError> pe = new ArrayList<>();
            for (ConfigProblem p : e.problems()) {
                pe.add(ConfigXml.error(p));
            }
            throw many(earlier, pe);
        } catch (RpcError e) {
            throw e;
        } catch (Exception e) {
            throw RpcError.failed("the configuration could not be applied: " + e);
        }
    }

    /** Apply and persist are one transaction: files that could not be written take the engine back. */
    private void undo(ConfigStore.Taken taken, IOException cause) {
        runningCache = null;
        try {
            loop.call(() -> {
                store.undo(loop.engine(), taken);
                return null;
            });
        } catch (Exception e) {
            log.err("NETCONF: the commit could not be saved (" + cause.getMessage()
                    + ") and taking it back failed: " + e);
        }
    }

    synchronized void validate(String source, Element inline) throws RpcError, RpcError.Many {
        Element ipmp;
        if (inline != null) {
            Element n = takeNacm(inline);
            if (n != null) {
                NacmConfig.parse(n);
            }
            ipmp = inlineTree(inline);
        } else {
            ipmp = tree(Xml.newDocument(), source);
        }
        validateFully(ipmp, List.of());
    }

    /** An inline {@code <config>} as a tree, checked for foreign top-level elements. */
    private Element inlineTree(Element config) throws RpcError {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Element e : Xml.children(config)) {
            YangSchema.SNode top = schema.root().child(e.getLocalName());
            if (top == null && !YangSchema.PREFIXES.containsKey(e.getNamespaceURI())
                    || top != null && !top.ns.equals(e.getNamespaceURI())) {
                throw RpcError.unknownNamespace(RpcError.Type.APPLICATION, e.getLocalName(), e.getNamespaceURI(), null);
            }
            if (top == null || !seen.add(e.getLocalName())) {
                throw RpcError.unknownElement(RpcError.Type.APPLICATION, e.getLocalName(),
                        "unexpected element " + e.getLocalName(), null);
            }
        }
        Document doc = Xml.newDocument();
        Element copy = doc.createElementNS(Xml.BASE, "config");
        doc.appendChild(copy);
        for (Element e : Xml.children(config)) {
            copy.appendChild(doc.importNode(e, true));
        }
        stripOperations(copy);
        DataTree.normalize(copy, schema.root());
        return copy;
    }

    private static void stripOperations(Element e) {
        e.removeAttributeNS(Xml.BASE, "operation");
        for (Element c : Xml.children(e)) {
            stripOperations(c);
        }
    }

    /**
     * copy-config. A source without {@code <nacm>} (an inline configuration of ipmpd only) leaves the
     * target's /nacm as it is, so that copying a saved ipmpd configuration does not lock anyone out.
     */
    synchronized void copy(int sid, String target, String source, Element inline, NacmAccess access)
            throws RpcError, RpcError.Many {
        checkDatastore(target);
        if (source != null && source.equals(target)) {
            throw RpcError.protocolInvalidValue("source and target are the same datastore");
        }
        checkWritable(sid, target);
        commitSemantics.forget(); // a whole new tree: the next commit checks all of it
        Document doc = Xml.newDocument();
        Element inlineNacm = inline != null ? takeNacm(inline) : null;
        NacmConfig nacmBefore = nacmConfig(target);
        NacmConfig nacmNext = inline != null ? (inlineNacm != null ? NacmConfig.parse(inlineNacm) : nacmBefore)
                : nacmConfig(source);
        Element ipmp = inline != null ? inlineTree(inline) : tree(doc, source);
        if (access != null && !access.permitsAllWrites()) {
            // both as wrappers of the top-level nodes, /nacm among them
            Element before = editBase(doc, target);
            before.appendChild(nacmBefore.toXml(doc));
            Element after = (Element) doc.importNode(ipmp, true);
            after.appendChild(nacmNext.toXml(doc));
            nacm.checkWrite(access, before, after);
        }
        boolean nacmChanged = !java.util.Arrays.equals(Nacm.bytes(nacmBefore), Nacm.bytes(nacmNext));
        if (ipmp != null) {
            List<RpcError> errs = validation.checkStructure(ipmp);
            if (!errs.isEmpty()) {
                throw new RpcError.Many(errs);
            }
        }
        if (RUNNING.equals(target)) {
            IpmpConfiguration next = validateFully(ipmp, List.of());
            commitToEngine(next, List.of(), null, nacmChanged ? Map.of(Nacm.FILE, Nacm.bytes(nacmNext)) : Map.of());
            if (nacmChanged) {
                nacm.committed(nacmNext);
            }
            events.configChanged(sid, "replace");
            return;
        }
        if (RUNNING.equals(source)) {
            candidate = null;
            return;
        }
        Document cd = Xml.newDocument();
        Element wrapper = (Element) cd.importNode(ipmp, true);
        cd.appendChild(wrapper);
        candidateBase = running();
        candidate = wrapper;
        candidateNacm = nacmNext;
    }

    // ------------------------------------------------------------------ candidate

    synchronized void discard(int sid) throws RpcError {
        checkWritable(sid, CANDIDATE);
        candidate = null;
        commitSemantics.forget();
    }

    /**
     * {@code <commit>}: the candidate becomes running as a whole. With {@code confirmed}, the
     * previous running configuration comes back unless a confirming commit arrives within the
     * timeout (or, without persist, before the session ends).
     */
    synchronized void commit(int sid, boolean confirmed, long timeoutS, String persist, String persistIdArg,
                             NacmAccess access) throws RpcError, RpcError.Many {
        checkWritable(sid, RUNNING);
        checkWritable(sid, CANDIDATE);
        boolean pending = rollbackTo != null;
        if (pending) {
            if (persistId != null) {
                if (!persistId.equals(persistIdArg)) {
                    throw RpcError.invalidValue("a persistent confirmed commit is pending: give its persist-id", null);
                }
            } else if (confirmOwner != sid) {
                throw RpcError.inUse("a confirmed commit of session " + confirmOwner + " is pending");
            }
        } else if (persistIdArg != null) {
            throw RpcError.invalidValue("no confirmed commit is pending for persist-id " + persistIdArg, null);
        }
        CommitEvent ev = new CommitEvent();
        ev.begin();
        long t0 = System.nanoTime();
        IpmpConfiguration before = running();
        NacmConfig nacmNow = nacm.running();
        NacmConfig nacmNext = candidate == null ? nacmNow : candidateNacm;
        boolean nacmChanged = !java.util.Arrays.equals(Nacm.bytes(nacmNow), Nacm.bytes(nacmNext));
        if (candidate != null && access != null && !access.permitsAllWrites()) {
            // both as wrappers of the top-level nodes, /nacm among them
            Document doc = Xml.newDocument();
            Element was = editBase(doc, RUNNING);
            was.appendChild(nacmNow.toXml(doc));
            Element will = (Element) doc.importNode(candidate, true);
            will.appendChild(nacmNext.toXml(doc));
            nacm.checkWrite(access, was, will);
        }
        if (nacmChanged) {
            commitSemantics.forget(); // the access control changes too: all of it is checked
        }
        IpmpConfiguration next = candidate == null ? null : validateFully(candidate, List.of(), before, true);
        if (next != null) {
            refuseUndoingOutOfBandChanges(next, before);
        }
        ev.validateNs = System.nanoTime() - t0;
        boolean saved = confirmed && !pending;
        if (saved) {
            saveRollback();
        }
        if (next != null) {
            try {
                commitToEngine(next, List.of(), ev, nacmChanged ? Map.of(Nacm.FILE, Nacm.bytes(nacmNext)) : Map.of());
            } catch (RpcError | RpcError.Many | RuntimeException e) {
                if (saved) {
                    clearSavedRollback();
                }
                throw e;
            }
            if (nacmChanged) {
                nacm.committed(nacmNext);
            }
            candidate = null;
            events.configChanged(sid, "replace");
        }
        ev.commit();
        if (confirmed) {
            if (!pending) {
                rollbackTo = before;
                rollbackNacm = nacmChanged ? nacmNow : null;
            } else if (nacmChanged && rollbackNacm == null) {
                rollbackNacm = nacmNow;
            }
            confirmOwner = sid;
            persistId = persist;
            if (confirmTimer != null) {
                confirmTimer.cancel(false);
            }
            confirmTimer = timer.schedule(this::confirmTimeout, timeoutS, TimeUnit.SECONDS);
            events.confirmedCommit(sid, pending ? "extend" : "start", timeoutS);
            log.notice("NETCONF: confirmed commit by session " + sid + "; rolled back unless confirmed within "
                    + timeoutS + " s");
        } else if (pending) {
            clearConfirm();
            clearSavedRollback();
            log.notice("NETCONF: commit confirmed by session " + sid);
            events.confirmedCommit(sid, "complete", 0);
        }
    }

    /**
     * Keeps the running configuration's files aside until the confirmed commit ends, so that a
     * restart in between (kill -9, crash, reboot) comes back with it (RFC 6241 8.4).
     */
    private void saveRollback() throws RpcError {
        try {
            store.saveRollback(loop.call(() -> loop.engine().snapshot()), Map.of(Nacm.FILE,
                    new String(Nacm.bytes(nacm.running()), java.nio.charset.StandardCharsets.UTF_8).lines().toList()));
        } catch (Exception e) {
            throw RpcError.failed("cannot save the configuration to roll back to: " + e.getMessage());
        }
    }

    private void clearSavedRollback() {
        try {
            store.clearRollback();
        } catch (Exception e) {
            log.err("NETCONF: cannot remove the saved rollback configuration: " + e);
        }
    }

    synchronized void cancelCommit(int sid, String persistIdArg) throws RpcError {
        if (rollbackTo == null) {
            throw RpcError.failed("no confirmed commit is pending");
        }
        if (persistId != null ? !persistId.equals(persistIdArg) : (confirmOwner != sid || persistIdArg != null)) {
            throw RpcError.invalidValue("the pending confirmed commit belongs to another session or persist-id", null);
        }
        log.notice("NETCONF: confirmed commit cancelled by session " + sid + "; rolling back");
        rollback();
        events.confirmedCommit(sid, "cancel", 0);
        events.configChanged(sid, "replace");
    }

    private synchronized void confirmTimeout() {
        if (rollbackTo == null) {
            return;
        }
        log.notice("NETCONF: confirmed commit not confirmed in time; rolling back the configuration");
        rollback();
        events.confirmedCommit(0, "timeout", 0);
        events.configChanged(0, "replace");
    }

    /**
     * The confirmed commit is rolled back: applied on the engine thread, the files written off it
     * (one atomic step), then the saved copy goes. If the files cannot be written the engine is
     * taken back and the saved copy stays, so the next start restores it (RFC 6241 8.4).
     */
    private void rollback() {
        IpmpConfiguration to = rollbackTo;
        NacmConfig nacmTo = rollbackNacm;
        clearConfirm();
        commitSemantics.forget();
        if (nacmTo != null) {
            try {
                store.journal().commit(Map.of(Nacm.FILE, Nacm.bytes(nacmTo)), List.of());
                nacm.committed(nacmTo);
            } catch (IOException e) {
                log.err("NETCONF: rolling back the access control of the confirmed commit failed: " + e);
            }
        }
        runningCache = null;
        ConfigStore.Taken taken;
        try {
            taken = loop.call(() -> store.apply(loop.engine(), to));
        } catch (Exception e) {
            log.err("NETCONF: rolling back the confirmed commit failed: " + e);
            return;
        }
        try {
            store.write(taken.render());
        } catch (IOException e) {
            undo(taken, e);
            log.err("NETCONF: the rolled-back configuration could not be saved (" + e.getMessage()
                    + "); it is restored at the next start");
            return;
        }
        try {
            store.clearRollback();
        } catch (IOException e) {
            log.err("NETCONF: cannot remove the saved rollback configuration: " + e);
        }
    }

    private void clearConfirm() {
        rollbackTo = null;
        rollbackNacm = null;
        persistId = null;
        confirmOwner = 0;
        if (confirmTimer != null) {
            confirmTimer.cancel(false);
            confirmTimer = null;
        }
    }

    synchronized boolean confirmPending() {
        return rollbackTo != null;
    }
}
