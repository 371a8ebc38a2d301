package io.mysqlproxy.deploy;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Version;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Prometheus Operator's PodMonitor (monitoring.coreos.com/v1), typed for the fields deploy/ uses. fabric8
 * publishes no model for it in this release, so it is declared here; fields it does not declare land in
 * additionalProperties, which StrictModel rejects, as for fabric8's own classes.
 */
@Group("monitoring.coreos.com")
@Version("v1")
@Kind("PodMonitor")
public class PodMonitor extends CustomResource<PodMonitor.Spec, Void> implements Namespaced {

    private static final long serialVersionUID = 1L;

    /** Keeps what the class does not declare, like fabric8's model classes. */
    public abstract static class Open {
        private final Map<String, Object> additionalProperties = new LinkedHashMap<>();

        @JsonAnyGetter
        public Map<String, Object> getAdditionalProperties() {
            return additionalProperties;
        }

        @JsonAnySetter
        public void setAdditionalProperty(String name, Object value) {
            additionalProperties.put(name, value);
        }
    }

    public static class Spec extends Open {
        private LabelSelector selector;
        private List<Endpoint> podMetricsEndpoints = List.of();

        public LabelSelector getSelector() {
            return selector;
        }

        public void setSelector(LabelSelector selector) {
            this.selector = selector;
        }

        public List<Endpoint> getPodMetricsEndpoints() {
            return podMetricsEndpoints;
        }

        public void setPodMetricsEndpoints(List<Endpoint> podMetricsEndpoints) {
            this.podMetricsEndpoints = podMetricsEndpoints;
        }
    }

    public static class Endpoint extends Open {
        private String port;
        private String path;
        private String interval;

        public String getPort() {
            return port;
        }

        public void setPort(String port) {
            this.port = port;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        public String getInterval() {
            return interval;
        }

        public void setInterval(String interval) {
            this.interval = interval;
        }
    }
}
