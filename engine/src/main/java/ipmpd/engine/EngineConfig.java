package ipmpd.engine;

/**
 * The daemon-wide settings of /etc/default/mpathd, plus ipmpd's probe quiet period.
 *
 * @param failureDetectionTimeMs requested FDT (FAILURE_DETECTION_TIME), at least {@link #MIN_FDT_MS}
 * @param failback FAILBACK=yes
 * @param trackInterfacesOnlyWithGroups TRACK_INTERFACES_ONLY_WITH_GROUPS=yes
 * @param probeQuietPeriodMs losses ignored after an interface starts probing, until its first reply
 *        (in.mpathd hard-codes 40 s as a spanning-tree allowance; PROBE_QUIET_PERIOD here)
 */
public record EngineConfig(long failureDetectionTimeMs, boolean failback, boolean trackInterfacesOnlyWithGroups,
                           long probeQuietPeriodMs) {
    public static final long DEFAULT_FDT_MS = 10_000;
    public static final long MIN_FDT_MS = 100;
    public static final long DEFAULT_QUIET_MS = 40_000;

    public static EngineConfig defaults() {
        return new EngineConfig(DEFAULT_FDT_MS, true, true, DEFAULT_QUIET_MS);
    }

    public EngineConfig withFdt(long ms) {
        return new EngineConfig(ms, failback, trackInterfacesOnlyWithGroups, probeQuietPeriodMs);
    }

    public EngineConfig withFailback(boolean on) {
        return new EngineConfig(failureDetectionTimeMs, on, trackInterfacesOnlyWithGroups, probeQuietPeriodMs);
    }

    public EngineConfig withTrackOnlyWithGroups(boolean on) {
        return new EngineConfig(failureDetectionTimeMs, failback, on, probeQuietPeriodMs);
    }

    public EngineConfig withQuietPeriod(long ms) {
        return new EngineConfig(failureDetectionTimeMs, failback, trackInterfacesOnlyWithGroups, ms);
    }

    /** Probe interval in ns: FDT / 7, so five losses plus their timeouts fit inside the FDT. */
    public static long probeIntervalNs(long fdtMs) {
        return fdtMs * 1_000_000L / 7;
    }
}
