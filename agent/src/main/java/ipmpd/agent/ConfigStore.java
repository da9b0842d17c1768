package ipmpd.agent;

import ipmpd.engine.Engine;
import ipmpd.engine.EngineSnapshot;
import ipmpd.engine.config.ConfigApplier;
import ipmpd.engine.config.ConfigException;
import ipmpd.engine.config.ConfigFiles;
import ipmpd.engine.config.ConfigProblem;
import ipmpd.engine.config.IpmpConfiguration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The one configuration store behind SNMP SETs, NETCONF commits and the files of the configuration
 * directory. A change is a whole {@link IpmpConfiguration}: validated, applied to the engine all or
 * nothing, then written back as hostname.IF / hostname6.IF / mpathd / ipmp.conf, all the files of
 * one commit as one atomic step ({@link ConfigJournal}), so a restart (or a kill -9 at any moment)
 * comes up with exactly the last committed configuration or the one before. Every method runs on the engine thread ({@link EngineLoop}), except those said
 * to run on any thread.
 */
public final class ConfigStore {
    private final Path dir;
    private final ConfigJournal journal;

    public ConfigStore(Path dir) {
        this(dir, new ConfigJournal(dir));
    }

    ConfigStore(Path dir, ConfigJournal journal) {
        this.dir = dir;
        this.journal = journal;
    }

    /** The configuration directory. */
    public Path dir() {
        return dir;
    }

    /** The journal every write of the directory goes through (its lock makes a consistent read of several files). */
    public ConfigJournal journal() {
        return journal;
    }

    /**
     * The configuration the engine runs now. A member is configured offline when ipmp.conf says
     * so ({@link #configuredOffline}) and it is OFFLINE; one taken offline at run time (if_mpadm
     * -d, the NETCONF offline operation) is offline in the state only.
     */
    public IpmpConfiguration current(Engine engine) {
        return IpmpConfiguration.of(engine.snapshot(), configuredOffline()::contains);
    }

    /**
     * The interfaces configured offline: the "offline IF" lines of ipmp.conf (what the last
     * commit wrote, or the administrator before the last start or SIGHUP). Any thread: the file
     * is read again only when it changed on disk (size, modification time, inode).
     */
    public Set<String> configuredOffline() {
        Path p = dir.resolve(ConfigFiles.IPMP_CONF);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (IOException e) {
            return Set.of();
        }
        OfflineLines c = offlineLines;
        if (c != null && c.file().sameFile(a)) {
            return c.set();
        }
        try {
            Set<String> set = Set.copyOf(ConfigFiles.offlineLines(Files.readAllLines(p,
                    java.nio.charset.StandardCharsets.UTF_8)));
            offlineLines = new OfflineLines(new Known(null, a.lastModifiedTime(), a.size(), a.fileKey()), set);
            return set;
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** ipmp.conf's offline lines as last read, and how the file looked then. */
    private record OfflineLines(Known file, Set<String> set) {
    }

    private volatile OfflineLines offlineLines;

    /**
     * The running configuration as of one engine step: its {@link Engine#modelGeneration()}, the
     * members configured offline it was read with, and those offline at run time only. A face may
     * keep it (any thread) while the generation and {@link #configuredOffline()} stay the same.
     */
    public record Running(long generation, IpmpConfiguration config, Set<String> configured,
                          Set<String> runtimeOffline) {
        /**
         * Whether the engine still runs this configuration, given its model generation (read on the
         * engine thread, or as published for other threads: {@link EnginePublisher}).
         */
        public boolean current(long modelGeneration, ConfigStore store) {
            return generation == modelGeneration && configured.equals(store.configuredOffline());
        }
    }

    /** The running configuration and its generation (engine thread). */
    public Running running(Engine engine) {
        return running(engine, configuredOffline());
    }

    private static Running running(Engine engine, Set<String> configured) {
        long g = engine.modelGeneration();
        EngineSnapshot s = engine.snapshot();
        return new Running(g, IpmpConfiguration.of(s, configured::contains), configured,
                runtimeOffline(s, configured));
    }

    private static Set<String> runtimeOffline(EngineSnapshot s, Set<String> configured) {
        Set<String> runtimeOffline = new HashSet<>();
        for (EngineSnapshot.InterfaceInfo i : s.interfaces()) {
            if (i.offline() && !configured.contains(i.name())) {
                runtimeOffline.add(i.name());
            }
        }
        return runtimeOffline;
    }

    /**
     * A configuration applied to the engine whose files are still to be written ({@link #write}):
     * the files' content as of the apply, in render order ({@code seq}), and the running
     * configuration after it.
     */
    public record Applied(long seq, Map<String, List<String>> files, Running after) {
    }

    /**
     * The engine as a change left it: the snapshot taken right after the apply (immutable, read on
     * any thread), its model generation, the members configured offline now, its place in render
     * order, and the configuration before the change (what {@link #undo} goes back to when the
     * files cannot be written). {@link #render()} makes the files and the running configuration
     * from it off the engine thread.
     */
    public record Taken(long seq, long generation, EngineSnapshot snapshot, Set<String> configured,
                        IpmpConfiguration before) {
        /** The files and the running configuration after the commit (any thread). */
        public Applied render() {
            Map<String, List<String>> files = ConfigFiles.render(snapshot, configured::contains);
            Running after = new Running(generation, IpmpConfiguration.of(snapshot, configured::contains), configured,
                    runtimeOffline(snapshot, configured));
            return new Applied(seq, files, after);
        }
    }

    /**
     * The engine-thread part of a commit of a configuration already validated completely
     * ({@link #validate}, off the engine thread): applies it all or nothing, from {@code before}
     * when the engine still runs that (else from a fresh read), and takes a snapshot. The caller
     * renders the files ({@link Taken#render()}) and writes them ({@link #write}) before it
     * reports success, and calls {@link #undo} if they cannot be written.
     *
     * @throws ConfigException when the engine refused a step; then it is unchanged
     */
    public Taken applyValidated(Engine engine, Running before, IpmpConfiguration next) throws ConfigException {
        Running b = before != null && before.current(engine.modelGeneration(), this) ? before : running(engine);
        ConfigApplier.applyValidated(engine, b.config(), next, b.runtimeOffline());
        return take(engine, next.offlineMembers(), b.config());
    }

    /** The same for a configuration not validated yet (engine thread). */
    public Taken apply(Engine engine, IpmpConfiguration next) throws ConfigException {
        Running b = running(engine);
        ConfigApplier.apply(engine, b.config(), next, b.runtimeOffline());
        return take(engine, next.offlineMembers(), b.config());
    }

    /**
     * The engine as it is now, to persist (engine thread): after a change made by other means
     * than a whole configuration (ipmpadm, a member leaving its group).
     *
     * @param configured the members configured offline
     * @param before     the configuration before the change, for {@link #undo}
     */
    public Taken take(Engine engine, Set<String> configured, IpmpConfiguration before) {
        return new Taken(renderSeq.incrementAndGet(), engine.modelGeneration(), engine.snapshot(),
                Set.copyOf(configured), before);
    }

    /**
     * A change whose files could not be written is taken back (engine thread): the engine goes
     * back to the configuration before it, so that it runs what the files hold.
     */
    public void undo(Engine engine, Taken t) throws ConfigException {
        EngineSnapshot s = engine.snapshot();
        ConfigApplier.applyValidated(engine, IpmpConfiguration.of(s, t.configured()::contains), t.before(),
                runtimeOffline(s, t.configured()));
    }

    /**
     * Writes what a change rendered ({@link Taken#render()}; any thread, off the engine thread): all
     * changed files as one atomic step ({@link ConfigJournal}), flushed. Skipped when files
     * rendered later are on disk already (they hold this change too).
     */
    public void write(Applied a) throws IOException {
        writeFiles(a.seq(), a.files(), Map.of());
    }

    /**
     * The same with other files of the directory written in the same atomic step (the NETCONF
     * access control of the same commit).
     */
    public void write(Applied a, Map<String, byte[]> alsoWrite) throws IOException {
        writeFiles(a.seq(), a.files(), alsoWrite);
    }

    /** Checks a candidate without applying it (NETCONF validate, SNMP prepare). */
    public List<ConfigProblem> validate(IpmpConfiguration candidate) {
        return ipmpd.engine.config.ConfigValidator.validate(candidate);
    }

    /**
     * Applies and persists a whole configuration as one transaction, on the engine thread (tests,
     * and callers that hold the engine thread anyway; the faces write off it).
     *
     * @throws ConfigException when refused; then the engine and the files are unchanged
     * @throws IOException when the files could not be written; then the engine is back where it was
     */
    public void commit(Engine engine, IpmpConfiguration next) throws ConfigException, IOException {
        Taken t = apply(engine, next);
        try {
            write(t.render());
        } catch (IOException e) {
            try {
                undo(engine, t);
            } catch (ConfigException undoFailed) {
                e.addSuppressed(undoFailed);
            }
            throw e;
        }
    }

    /** Applies a change to the current configuration (read, modify, commit). */
    public void update(Engine engine, UnaryOperator<IpmpConfiguration> change) throws ConfigException, IOException {
        commit(engine, change.apply(current(engine)));
    }

    /**
     * Writes the engine's configuration to the directory (engine thread); stale hostname files of
     * unplumbed interfaces go. Only files whose content differs from what is on disk are written
     * (a change of one member rewrites its hostname file, not the 256 others), all as one atomic step.
     */
    public void persist(Engine engine) throws IOException {
        writeFiles(ConfigFiles.render(engine.snapshot(), configuredOffline()::contains));
    }

    /** What a file held when this store last wrote or read it, and how it looked on disk then. */
    private record Known(byte[] content, FileTime modified, long size, Object fileKey) {
        boolean sameFile(BasicFileAttributes a) {
            return a.size() == size && a.lastModifiedTime().equals(modified) && Objects.equals(a.fileKey(), fileKey);
        }
    }

    /** Files of the directory as last seen (under the journal's lock). */
    private final Map<Path, Known> known = new HashMap<>();

    /** Orders renders of the files (taken on the engine thread), so that an older one never overwrites a newer one. */
    private final java.util.concurrent.atomic.AtomicLong renderSeq = new java.util.concurrent.atomic.AtomicLong();

    /** The newest render on disk. */
    private long writtenSeq;

    /** Makes the directory hold exactly these configuration files, rendered now (engine thread). */
    private void writeFiles(Map<String, List<String>> files) throws IOException {
        writeFiles(renderSeq.incrementAndGet(), files, Map.of());
    }

    /** Makes the directory hold exactly these configuration files (and no other hostname files). */
    private void writeFiles(long seq, Map<String, List<String>> files, Map<String, byte[]> alsoWrite)
            throws IOException {
        synchronized (journal.lock()) { // one writer at a time; guards known and writtenSeq
            if (seq < writtenSeq) {
                journal.commit(alsoWrite, List.of());
                return; // a later render (with this change in it) is on disk already
            }
            writeFilesLocked(files, alsoWrite);
            writtenSeq = seq;
        }
    }

    private void writeFilesLocked(Map<String, List<String>> files, Map<String, byte[]> alsoWrite) throws IOException {
        Files.createDirectories(dir);
        Map<Path, List<String>> changed = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> f : files.entrySet()) {
            Path p = dir.resolve(f.getKey());
            if (!holds(p, f.getValue())) {
                changed.put(p, f.getValue());
            }
        }
        List<Path> stale = new ArrayList<>();
        try (var list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                String name = p.getFileName().toString();
                if ((name.startsWith("hostname.") || name.startsWith("hostname6.")) && !files.containsKey(name)) {
                    stale.add(p);
                }
            }
        }
        Map<String, byte[]> write = new LinkedHashMap<>();
        changed.forEach((p, lines) -> write.put(p.getFileName().toString(), AtomicFiles.bytes(lines)));
        write.putAll(alsoWrite);
        List<String> delete = stale.stream().map(p -> p.getFileName().toString()).toList();
        try {
            journal.commit(write, delete);
        } finally {
            changed.keySet().forEach(known::remove);
            stale.forEach(known::remove);
        }
        for (Map.Entry<Path, List<String>> f : changed.entrySet()) {
            remember(f.getKey(), AtomicFiles.bytes(f.getValue()));
        }
    }

    /**
     * Whether a file holds these lines. A file unchanged on disk since this store last saw it
     * (same size, modification time and inode) is compared with what it held then; any other is
     * read (a change by hand is seen as well).
     */
    private boolean holds(Path p, List<String> lines) throws IOException {
        byte[] want = AtomicFiles.bytes(lines);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (java.nio.file.NoSuchFileException e) {
            known.remove(p);
            return false;
        }
        Known k = known.get(p);
        if (k != null && k.sameFile(a)) {
            return Arrays.equals(k.content(), want);
        }
        boolean same = AtomicFiles.holds(p, lines);
        if (same) {
            known.put(p, new Known(want, a.lastModifiedTime(), a.size(), a.fileKey()));
        } else {
            known.remove(p);
        }
        return same;
    }

    private void remember(Path p, byte[] content) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        known.put(p, new Known(content, a.lastModifiedTime(), a.size(), a.fileKey()));
    }

    // ------------------------------------------------------------------ confirmed commit (RFC 6241 8.4)

    /**
     * Where the configuration before a pending NETCONF confirmed commit is kept: a copy of its
     * files. A directory in the configuration directory (never read as configuration: only
     * hostname*.* files, mpathd, ipmp.conf and agent.conf are), made whole before it appears.
     */
    public static final String ROLLBACK_DIR = "confirmed-commit.rollback";

    /**
     * Saves the files of the running configuration as the one to restore if the daemon restarts
     * before the pending confirmed commit is confirmed (any thread; {@code running} is the
     * engine's snapshot before the commit). Written to a temporary
     * directory, flushed, then renamed into place: after a crash it is either whole or absent.
     */
    public void saveRollback(EngineSnapshot running) throws IOException {
        saveRollback(running, Map.of());
    }

    /**
     * The same, with other files the commit may change kept as they are now (the NETCONF access
     * control), restored with the rest.
     */
    public void saveRollback(EngineSnapshot running, Map<String, List<String>> alsoKeep) throws IOException {
        synchronized (journal.lock()) {
            saveRollbackLocked(running, alsoKeep);
        }
    }

    private void saveRollbackLocked(EngineSnapshot running, Map<String, List<String>> alsoKeep) throws IOException {
        Map<String, List<String>> files = new LinkedHashMap<>(ConfigFiles.render(running, configuredOffline()::contains));
        files.putAll(alsoKeep);
        Files.createDirectories(dir);
        clearRollback();
        Path temp = Files.createTempDirectory(dir, "." + ROLLBACK_DIR + ".");
        boolean done = false;
        try {
            Map<Path, List<String>> in = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> f : files.entrySet()) {
                in.put(temp.resolve(f.getKey()), f.getValue());
            }
            AtomicFiles.writeAll(temp, in, List.of());
            Files.move(temp, dir.resolve(ROLLBACK_DIR), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            done = true;
            AtomicFiles.fsyncDirectory(dir);
        } finally {
            if (!done) {
                deleteTree(temp);
            }
        }
    }

    /** The confirmed commit ended (confirmed, cancelled or rolled back): its rollback copy goes. */
    public void clearRollback() throws IOException {
        synchronized (journal.lock()) {
            clearRollbackLocked();
        }
    }

    private void clearRollbackLocked() throws IOException {
        Path r = dir.resolve(ROLLBACK_DIR);
        if (!Files.exists(r)) {
            return;
        }
        // renamed away first: a crash while deleting must not leave a half-deleted rollback copy
        Path gone = dir.resolve("." + ROLLBACK_DIR + ".done-" + System.nanoTime());
        Files.move(r, gone, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.fsyncDirectory(dir);
        deleteTree(gone);
    }

    /**
     * At start, before the files are read: if a confirmed commit was pending when the daemon
     * stopped (killed, crashed, rebooted), the configuration before it comes back (RFC 6241 8.4:
     * "If the device reboots for any reason before the confirm timeout expires, the server MUST
     * restore the configuration to its state before the confirmed commit was issued"). Leftovers
     * of interrupted saves and clears are removed. Safe to repeat after a crash half-way.
     *
     * @return whether a configuration was restored
     */
    public boolean restorePendingRollback() throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                if (p.getFileName().toString().startsWith("." + ROLLBACK_DIR + ".")) {
                    deleteTree(p);
                }
            }
        }
        Path r = dir.resolve(ROLLBACK_DIR);
        if (!Files.isDirectory(r)) {
            return false;
        }
        Map<String, List<String>> files = new LinkedHashMap<>();
        try (var list = Files.list(r)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                files.put(p.getFileName().toString(), Files.readAllLines(p, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        writeFiles(files);
        clearRollback();
        return true;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            List<Path> all = new ArrayList<>(walk.toList());
            java.util.Collections.reverse(all);
            for (Path q : all) {
                Files.deleteIfExists(q);
            }
        }
    }
}
