package ipmpd.agent;

import ipmpd.engine.Engine;
import ipmpd.engine.config.ConfigApplier;
import ipmpd.engine.config.ConfigException;
import ipmpd.engine.config.ConfigFiles;
import ipmpd.engine.config.ConfigProblem;
import ipmpd.engine.config.IpmpConfiguration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The one configuration store behind SNMP SETs, NETCONF commits and the files of the configuration
 * directory. A change is a whole {@link IpmpConfiguration}: validated, applied to the engine all or
 * nothing, then written back as hostname.IF / hostname6.IF / mpathd / ipmp.conf, each file
 * atomically, so a restart (or a kill -9 at any moment) comes up with the last committed
 * configuration. Every method runs on the engine thread ({@link EngineLoop}).
 */
public final class ConfigStore {
    private final Path dir;

    public ConfigStore(Path dir) {
        this.dir = dir;
    }

    /** The configuration the engine runs now. */
    public IpmpConfiguration current(Engine engine) {
        return IpmpConfiguration.of(engine.snapshot());
    }

    /** Checks a candidate without applying it (NETCONF validate, SNMP prepare). */
    public List<ConfigProblem> validate(IpmpConfiguration candidate) {
        return ipmpd.engine.config.ConfigValidator.validate(candidate);
    }

    /**
     * Applies and persists a whole configuration.
     *
     * @throws ConfigException when refused; then the engine and the files are unchanged
     * @throws IOException when the files could not be written; the engine keeps the new configuration
     */
    public void commit(Engine engine, IpmpConfiguration next) throws ConfigException, IOException {
        ConfigApplier.apply(engine, next);
        persist(engine);
    }

    /** Applies a change to the current configuration (read, modify, commit). */
    public void update(Engine engine, UnaryOperator<IpmpConfiguration> change) throws ConfigException, IOException {
        commit(engine, change.apply(current(engine)));
    }

    /**
     * Writes the engine's configuration to the directory; stale hostname files of unplumbed
     * interfaces go. Only files whose content differs from what is on disk are written (a change
     * of one member rewrites its hostname file, not the 256 others), each atomically, with one
     * flush of the directory for all renames and deletions.
     */
    public void persist(Engine engine) throws IOException {
        Map<String, List<String>> files = ConfigFiles.render(engine.snapshot());
        Files.createDirectories(dir);
        Map<Path, List<String>> changed = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> f : files.entrySet()) {
            Path p = dir.resolve(f.getKey());
            if (!AtomicFiles.holds(p, f.getValue())) {
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
        AtomicFiles.writeAll(dir, changed, stale);
    }
}
