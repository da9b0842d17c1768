package ipmpd.engine;

import java.net.InetAddress;

/**
 * What the engine reports: its log messages (with in.mpathd's texts) and the structured events
 * that the SNMP traps and NETCONF notifications carry, each saying why, so that no face has to
 * guess. {@link Vocabulary} names every value of these enums in each view. Called on the engine's
 * thread.
 */
public interface EngineListener {
    /** Which detection decided a failure or a repair. */
    enum Detection {
        /** The link (RUNNING) went down, or came up on a member whose probes need not confirm. */
        LINK,
        /** IPv4 probes: the last family to lose five in a row, or ten answered in a row. */
        PROBE_IPV4,
        /** IPv6 probes, likewise. */
        PROBE_IPV6,
        /** An administrator's action (not reported by the engine today: see issue 14). */
        ADMIN;

        /** Probe-based detection in the given family. */
        public static Detection probes(Family f) {
            return f == Family.INET ? PROBE_IPV4 : PROBE_IPV6;
        }

        public boolean byProbes() {
            return this == PROBE_IPV4 || this == PROBE_IPV6;
        }
    }

    /** What happened to a group when its state changed (in.mpathd's group messages). */
    enum GroupEvent {
        /** "All IP interfaces in group G are now unusable": the state became failed. */
        ALL_UNUSABLE,
        /** "At least 1 IP interface (IF) in group G is now usable": the state left failed. */
        AT_LEAST_ONE_USABLE,
        /** An ok group lost a member (failed, offline). */
        DEGRADED,
        /** A degraded group has every member usable again. */
        ALL_USABLE;

        /** The event of a change of state (before != after). */
        public static GroupEvent of(GroupState before, GroupState after) {
            if (after == GroupState.FAILED) {
                return ALL_UNUSABLE;
            }
            if (before == GroupState.FAILED) {
                return AT_LEAST_ONE_USABLE;
            }
            return after == GroupState.DEGRADED ? DEGRADED : ALL_USABLE;
        }
    }

    /** Why a group's failure detection time changed (in.mpathd's two adaptation cases, or configuration). */
    enum FdtReason {
        /** "Cannot meet requested failure detection time ...": a target answers slower than the probe interval. */
        CANNOT_MEET,
        /** "Improved failure detection time ...": every target answered fast for a minute. */
        IMPROVED,
        /** FAILURE_DETECTION_TIME was configured anew (SIGHUP, SNMP, NETCONF). */
        CONFIGURED
    }

    /** Why a data address moved. */
    enum MoveReason {
        /** Its member failed. */
        FAILOVER,
        /** Its home member was repaired, back online or attached again, and takes it back. */
        FAILBACK,
        /** Its member was taken offline (if_mpadm -d, or a duplicate hardware address). */
        OFFLINE,
        /** Its member became a standby, which owns no data addresses. */
        STANDBY,
        /** Membership changed: a member left its group, or was unplumbed for the address's family. */
        MEMBERSHIP
    }

    /** A change of a member's configuration (ifconfig group/standby, if_mpadm, SNMP, NETCONF). */
    enum ConfigChange {
        /** It joined the group. */
        JOINED,
        /** It left the group. */
        LEFT,
        /** It became a standby. */
        STANDBY,
        /** It is no longer a standby. */
        NOT_STANDBY,
        /** An administrator took it offline (if_mpadm -d). */
        OFFLINE,
        /** An administrator brought it back from offline (if_mpadm -r). */
        ONLINE
    }

    /** Why probe-based failure detection on a member was disabled or enabled again (in.mpathd's messages). */
    enum ProbingChange {
        /** "No test address configured on interface IF; disabling probe-based failure detection on it". */
        NO_TEST_ADDRESS,
        /** "Test address A is not unique in group; disabling probe-based failure detection on IF". */
        DUPLICATE_TEST_ADDRESS,
        /** "IP interface IF has a hardware address which is not unique in group G; offlining". */
        DUPLICATE_HARDWARE_ADDRESS,
        /** "Test address now configured on interface IF; enabling probe-based failure detection on it". */
        TEST_ADDRESS_CONFIGURED,
        /** The duplicate test address is unique again: probing resumes. */
        TEST_ADDRESS_UNIQUE,
        /** "IP interface IF now has a unique hardware address in group G; onlining". */
        HARDWARE_ADDRESS_UNIQUE;

        /** Whether probing is off after this change. */
        public boolean disables() {
            return this == NO_TEST_ADDRESS || this == DUPLICATE_TEST_ADDRESS || this == DUPLICATE_HARDWARE_ADDRESS;
        }
    }

    /** What happened to a probe target that stopped answering while other targets answer. */
    enum TargetChange {
        /** A router or configured target: set aside, retried later. */
        DEAD,
        /** A discovered (multicast) host: dropped, another one is being discovered. */
        REPLACED
    }

    default void log(String message) {
    }

    /**
     * Probe-based detection on a member was disabled or enabled again.
     *
     * @param address the test address concerned (DUPLICATE_TEST_ADDRESS, TEST_ADDRESS_UNIQUE), else null
     */
    default void probingChanged(String ifname, String group, ProbingChange change, InetAddress address) {
    }

    /** A member's probe target stopped answering (five losses in a row while others answer). */
    default void probeTargetChanged(String ifname, String group, InetAddress target, TargetChange change) {
    }

    /**
     * A member's configuration changed; reported before the failovers and group state changes it
     * causes (so that they can name it).
     */
    default void memberConfigChanged(String ifname, String group, ConfigChange change) {
    }

    default void linkChanged(String ifname, boolean up) {
    }

    default void interfaceFailed(String ifname, String group, Detection how) {
    }

    default void interfaceRepaired(String ifname, String group, Detection how) {
    }

    default void groupStateChanged(String group, GroupState before, GroupState after, GroupEvent event) {
    }

    default void addressMoved(InetAddress address, String group, String from, String to, MoveReason reason) {
    }

    /**
     * @param ifname the member whose target caused it (null when {@code reason} is CONFIGURED)
     * @param family that member's probing family (null when {@code reason} is CONFIGURED)
     */
    default void fdtChanged(String group, long beforeMs, long afterMs, FdtReason reason, String ifname,
                            Family family) {
    }

    /** A probe was answered or declared lost (the stream behind ipmpstat -p). */
    default void probeResolved(ProbeEvent event) {
    }

    /** Fans events out to several listeners. */
    static EngineListener all(EngineListener... listeners) {
        return new EngineListener() {
            @Override
            public void log(String message) {
                for (EngineListener l : listeners) {
                    l.log(message);
                }
            }

            @Override
            public void memberConfigChanged(String ifname, String group, ConfigChange change) {
                for (EngineListener l : listeners) {
                    l.memberConfigChanged(ifname, group, change);
                }
            }

            @Override
            public void probingChanged(String ifname, String group, ProbingChange change, InetAddress address) {
                for (EngineListener l : listeners) {
                    l.probingChanged(ifname, group, change, address);
                }
            }

            @Override
            public void probeTargetChanged(String ifname, String group, InetAddress target, TargetChange change) {
                for (EngineListener l : listeners) {
                    l.probeTargetChanged(ifname, group, target, change);
                }
            }

            @Override
            public void linkChanged(String ifname, boolean up) {
                for (EngineListener l : listeners) {
                    l.linkChanged(ifname, up);
                }
            }

            @Override
            public void interfaceFailed(String ifname, String group, Detection how) {
                for (EngineListener l : listeners) {
                    l.interfaceFailed(ifname, group, how);
                }
            }

            @Override
            public void interfaceRepaired(String ifname, String group, Detection how) {
                for (EngineListener l : listeners) {
                    l.interfaceRepaired(ifname, group, how);
                }
            }

            @Override
            public void groupStateChanged(String group, GroupState before, GroupState after, GroupEvent event) {
                for (EngineListener l : listeners) {
                    l.groupStateChanged(group, before, after, event);
                }
            }

            @Override
            public void addressMoved(InetAddress address, String group, String from, String to, MoveReason reason) {
                for (EngineListener l : listeners) {
                    l.addressMoved(address, group, from, to, reason);
                }
            }

            @Override
            public void fdtChanged(String group, long beforeMs, long afterMs, FdtReason reason, String ifname,
                                   Family family) {
                for (EngineListener l : listeners) {
                    l.fdtChanged(group, beforeMs, afterMs, reason, ifname, family);
                }
            }

            @Override
            public void probeResolved(ProbeEvent event) {
                for (EngineListener l : listeners) {
                    l.probeResolved(event);
                }
            }
        };
    }
}
