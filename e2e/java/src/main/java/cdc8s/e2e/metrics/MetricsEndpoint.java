package cdc8s.e2e.metrics;

import io.prometheus.jmx.JmxCollector;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.File;
import java.lang.management.ManagementFactory;

/** What the JMX exporter's agent registers and serves (JavaAgent.start at 1.6.0). */
public final class MetricsEndpoint {
    private MetricsEndpoint() {}

    public static void start(String host, int port, String rules) throws Exception {
        // The agent initializes the platform MBean server first, as here.
        ManagementFactory.getPlatformMBeanServer();
        PrometheusRegistry registry = PrometheusRegistry.defaultRegistry;
        JvmMetrics.builder().register(registry);
        new JmxCollector(new File(rules), JmxCollector.Mode.AGENT).register(registry);
        HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
    }
}
