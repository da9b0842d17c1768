package ipmpd.agent.snmp;

import ipmpd.agent.AtomicFiles;
import ipmpd.agent.IpmpdLog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The ipmpGroupIndex of every group, kept in {@code snmp-group-index} in the configuration
 * directory, so that a group keeps its row across restarts and configuration rewrites (an NMS
 * watching ipmpGroupState.1 keeps watching the same group), and the counter of the next index, so
 * that an index is not given to another group soon after its group went. Indexes of groups that
 * went are remembered too (the newest {@link #MAX_RETIRED}): a group that comes back gets its old
 * row back while no other group took that index.
 * <p>
 * Writes are atomic ({@link AtomicFiles}) and made by a thread of their own (a binding may change
 * on the engine's thread, which must not wait for a disk flush); the newest content wins, and
 * {@link #close()} writes what is still pending.
 */
final class GroupIndexFile implements SnmpModel.IndexStore, AutoCloseable {
    static final String NAME = "snmp-group-index";
    /** Remembered indexes of groups that went, at most. */
    static final int MAX_RETIRED = 256;

    private final Path file;
    private final IpmpdLog log;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ipmpd-snmp-index");
        t.setDaemon(true);
        return t;
    });
    private final Object lock = new Object();
    private SnmpModel.Indexes pending;

    GroupIndexFile(Path file, IpmpdLog log) {
        this.file = file;
        this.log = log;
    }

    /** What the file holds (empty when it does not exist; lines it cannot read are logged and skipped). */
    @Override
    public SnmpModel.Indexes load() {
        Map<String, Long> live = new LinkedHashMap<>();
        Map<String, Long> retired = new LinkedHashMap<>();
        long next = 1;
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new SnmpModel.Indexes(live, retired, next);
        } catch (IOException e) {
            log.warning("SNMP: cannot read " + file + ": " + e.getMessage() + "; group indexes start afresh");
            return new SnmpModel.Indexes(live, retired, next);
        }
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] w = line.split("\\s+");
            try {
                if (w.length == 2 && w[0].equals("next")) {
                    next = index(w[1]);
                } else if (w.length == 3 && (w[0].equals("group") || w[0].equals("retired"))) {
                    long i = index(w[1]);
                    if (live.containsValue(i) || retired.containsValue(i) || live.containsKey(w[2])
                            || retired.containsKey(w[2])) {
                        throw new IllegalArgumentException("index or group named twice");
                    }
                    (w[0].equals("group") ? live : retired).put(w[2], i);
                } else {
                    throw new IllegalArgumentException("expected next N, group N NAME or retired N NAME");
                }
            } catch (IllegalArgumentException e) {
                log.warning("SNMP: " + file + ": line " + n + " ignored: " + e.getMessage());
            }
        }
        return new SnmpModel.Indexes(live, retired, next);
    }

    private static long index(String s) {
        long i;
        try {
            i = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an index: " + s);
        }
        if (i < 1 || i > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("index " + s + " is not in 1..4294967295");
        }
        return i;
    }

    /** Writes the bindings (soon, from the writer's thread; a newer call replaces one not yet written). */
    @Override
    public void save(SnmpModel.Indexes indexes) {
        synchronized (lock) {
            boolean queued = pending != null;
            pending = indexes;
            if (queued) {
                return;
            }
        }
        try {
            writer.execute(this::writePending);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            writePending();
        }
    }

    private void writePending() {
        SnmpModel.Indexes w;
        synchronized (lock) {
            w = pending;
            pending = null;
        }
        if (w == null) {
            return;
        }
        try {
            AtomicFiles.write(file, lines(w));
        } catch (IOException e) {
            log.err("SNMP: cannot write " + file + ": " + e.getMessage());
        }
    }

    static List<String> lines(SnmpModel.Indexes w) {
        List<String> out = new ArrayList<>();
        out.add("# ipmpd SNMP agent: the ipmpGroupIndex of each group, kept across restarts (written by the agent).");
        out.add("next " + w.next());
        w.live().entrySet().stream().sorted(Map.Entry.comparingByValue())
                .forEach(e -> out.add("group " + e.getValue() + " " + e.getKey()));
        w.retired().forEach((name, i) -> out.add("retired " + i + " " + name));
        return out;
    }

    /** Waits until what was saved so far is written (at most 10 s). */
    void flush() {
        try {
            writer.submit(() -> { }).get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                 | java.util.concurrent.RejectedExecutionException e) {
            log.warning("SNMP: " + file + " not written: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes what is pending and stops the writer. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warning("SNMP: " + file + " not written in 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writePending();
    }
}
