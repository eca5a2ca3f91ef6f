package cdc8s.e2e;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

/**
 * The JMX exporter as Strimzi's images attach it ({@code -javaagent:...=9404:metrics-config.json}),
 * for JVMs of the harness: the upstream collector (io.prometheus.jmx:collector, the rule engine at the
 * version Strimzi 1.2.0's images ship) and the Prometheus client's JVM metrics and HTTP server. The
 * released agent jar is not served here; this class is the only part that is ours. Like the released
 * (shaded) agent, it loads its libraries apart from the application's classpath, so Kafka's own
 * snakeyaml never meets the collector's.
 *
 * <p>Argument: {@code <host>:<port>:<rules file>}, the agent's own form.
 */
public final class MetricsAgent {
    private MetricsAgent() {}

    public static void premain(String argument, Instrumentation instrumentation) throws Exception {
        String[] parts = argument.split(":", 3);
        String host = parts[0];
        int port = Integer.parseInt(parts[1]);
        String rules = parts[2];
        File self = new File(MetricsAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        File libraries = new File(self.getParentFile(), "jmx-exporter");
        List<URL> urls = new ArrayList<>();
        urls.add(self.toURI().toURL());
        File[] jars = libraries.listFiles((dir, name) -> name.endsWith(".jar"));
        if (jars == null || jars.length == 0) throw new IllegalStateException("no JMX exporter libraries in " + libraries);
        for (File jar : jars) urls.add(jar.toURI().toURL());
        // Parent: the platform loader (JDK modules only), not the application's classpath.
        ClassLoader isolated = new URLClassLoader("jmx-exporter", urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
        isolated.loadClass("cdc8s.e2e.metrics.MetricsEndpoint").getMethod("start", String.class, int.class, String.class).invoke(null, host, port, rules);
    }
}
