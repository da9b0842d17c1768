package ipmpd.agent.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ipmpd.engine.Platform;
import ipmpd.linux.platform.LinuxPlatform;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The daemon's Linux platform hands every Platform call LinuxPlatform implements to it: a default
 * method of Platform left unforwarded is silently a no-op in the daemon (as the IPMP interface's
 * calls once were: its device was never created), while LinuxPlatform's own tests pass.
 */
class LinuxDaemonPlatformForwardingTest {

    @Test
    void everyPlatformCallLinuxPlatformImplementsIsForwarded() {
        List<String> missing = new ArrayList<>();
        for (Method m : Platform.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || !m.isDefault()) {
                continue;
            }
            if (declares(LinuxPlatform.class, m) && !declares(LinuxDaemonPlatform.class, m)) {
                missing.add(m.getName());
            }
        }
        assertEquals(List.of(), missing, "Platform calls LinuxDaemonPlatform does not forward to LinuxPlatform");
    }

    private static boolean declares(Class<?> c, Method m) {
        try {
            c.getDeclaredMethod(m.getName(), m.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
