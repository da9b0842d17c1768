package ipmpd.engine;

/**
 * A member's condition (in.mpathd's {@code pi_state}), kept in {@link Phyint#state}. Why a member
 * is OFFLINE is recorded as separate facts ({@link Phyint#adminOffline}: if_mpadm -d;
 * {@link Phyint#hwDup}: its hardware address collides with an earlier member's), and so is how a
 * FAILED one was detected ({@link Phyint#failedBy}). A member offlined while FAILED keeps
 * {@code failedBy}: its FAILED flag stays set under OFFLINE, as IFF_FAILED does in the kernel.
 * <p>
 * NO_TARGETS is never stored: it is RUNNING while probing is enabled but no target is known
 * ({@link Phyint#condition()}); the engine then trusts the link, as in.mpathd does, and reports
 * the state as unknown (ipmpstat "unknown", ipmpIfState unknown(4)).
 *
 * <h2>State/event table</h2>
 * Decided in {@link FailureDetection} (link, probes, group failure) and {@link Membership}
 * (offline, duplicate hardware address, joining and leaving). "&rarr;" is the new state; after
 * every change {@link Placement#reconcile} moves data addresses (failover, failback).
 * <pre>
 * Event                              RUNNING (or NO_TARGETS)          FAILED                          OFFLINE
 * ---------------------------------  -------------------------------  ------------------------------  ----------------------------
 * link down (tracked member)         &rarr; FAILED by LINK; probers        no change                       no change
 *                                    marked failed; failover
 * link up                            no change                        &rarr; RUNNING by LINK, unless it     no change
 *                                                                     probes targets (probes must
 *                                                                     repair) or the link came up
 *                                                                     more than 2 times in a minute
 *                                                                     (retried when it stabilizes)
 * 5 lost probes on every probing     &rarr; FAILED by PROBE; failover      addresses it kept while         not probed
 *   family, another member works,    (with no other member usable,   recovering fail over
 *   or none other probes (alone)     the group's message follows)
 * same, no other member works        group failure: every RUNNING     no change                       skipped
 *   (group failure)                  member &rarr; FAILED by PROBE, no
 *                                    failover, discovered targets
 *                                    flushed
 * 10 answered probes in a row,       no change                        &rarr; RUNNING by PROBE               not probed
 *   link up                                                           (FAILBACK=no: INACTIVE)
 * if_mpadm -d (another member        &rarr; OFFLINE, adminOffline; probes  &rarr; OFFLINE, adminOffline;       refused: already offline
 *   usable with an UP address; in a  stop; failover                   failedBy kept
 *   failed group: not offline)
 * if_mpadm -r                        refused: not offline             refused: not offline            &rarr; RUNNING (failedBy and
 *                                                                                                     adminOffline cleared;
 *                                                                                                     repaired by ADMIN); link
 *                                                                                                     down: &rarr; FAILED by LINK;
 *                                                                                                     refused while an online
 *                                                                                                     member has its hardware
 *                                                                                                     address: hwDup instead of
 *                                                                                                     adminOffline
 * hardware address collides with an  &rarr; OFFLINE, hwDup; probes stop    &rarr; OFFLINE, hwDup; probes stop  not a duplicate (only
 *   earlier online member's                                                                           online members count)
 * no online member has its hardware  (no hwDup)                       (no hwDup)                      hwDup cleared; &rarr; RUNNING,
 *   address any more (hwDup set)                                                                      or FAILED if failedBy is
 *                                                                                                     kept, unless adminOffline
 * NIC removed (DR)                   &rarr; FAILED by LINK; failover       no change                       no change
 * joins a group with its link down   &rarr; FAILED by LINK                 no change                       no change
 * NIC of a hostname.IF file missing  &rarr; FAILED by LINK (joins its group; addresses hosted elsewhere)
 *   at boot
 * leaves its group; or is in none    &rarr; RUNNING, every fact cleared
 *   when TRACK_INTERFACES_ONLY_WITH_GROUPS becomes yes
 * </pre>
 * A FAILED member whose link is up and whose probes are answered again (fewer than 5 lost in a row)
 * is recovering ({@link FailureState#recovering}): it keeps the data addresses it holds until its
 * own repair, or until it loses 5 in a row again or its link goes down (then they fail over).
 */
enum MemberState {
    /** PI_RUNNING: the link is up and, if it probes targets, its probes are answered. */
    RUNNING,
    /** PI_NOTARGETS: RUNNING, but probing is enabled and no target is known. Derived, never stored. */
    NO_TARGETS,
    /** PI_FAILED: link-based or probe-based detection says it does not work. */
    FAILED,
    /** PI_OFFLINE: out of use by the administrator or because its hardware address is not unique. */
    OFFLINE
}
