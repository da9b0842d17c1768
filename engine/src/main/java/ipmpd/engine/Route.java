package ipmpd.engine;

import java.net.InetAddress;

/**
 * A route as target selection needs it. A host route whose gateway is the destination itself
 * ("route add -host T T") names a configured target; any other gateway on a test subnet is a router.
 */
public record Route(InetAddress destination, int prefixLen, InetAddress gateway) {
    public boolean isHostTarget() {
        int full = destination.getAddress().length * 8;
        return prefixLen == full && gateway != null && gateway.equals(destination);
    }

    public Family family() {
        return Family.of(destination);
    }
}
