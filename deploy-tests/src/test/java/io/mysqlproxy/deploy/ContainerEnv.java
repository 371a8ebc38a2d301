package io.mysqlproxy.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;

import java.util.LinkedHashMap;
import java.util.Map;

/** A container's environment as the kubelet would build it, with the Secret's values supplied by the test. */
final class ContainerEnv {

    static final String SECRET_NAME = "mysql-credentials";
    /** What the downward API's status.podIP gives here: an address of this machine, so a proxy can bind it. */
    static final String POD_IP = "127.0.0.1";

    private ContainerEnv() {}

    static Map<String, String> resolve(Kustomize.Rendered rendered, Container container, Map<String, String> secret) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : container.getEnvFrom()) {
            if (from.getConfigMapRef() == null) {
                throw new AssertionError(container.getName() + ": envFrom other than a ConfigMap: " + from);
            }
            env.putAll(rendered.configMapNamed(from.getConfigMapRef().getName()).getData());
        }
        for (EnvVar variable : container.getEnv()) {
            env.put(variable.getName(), value(rendered, container, variable, secret));
        }
        return env;
    }

    private static String value(
            Kustomize.Rendered rendered, Container container, EnvVar variable, Map<String, String> secret) {
        if (variable.getValueFrom() == null) {
            return variable.getValue();
        }
        EnvVarSource from = variable.getValueFrom();
        if (from.getSecretKeyRef() != null) {
            if (!SECRET_NAME.equals(from.getSecretKeyRef().getName())) {
                throw new AssertionError(container.getName() + " reads Secret "
                        + from.getSecretKeyRef().getName());
            }
            String value = secret.get(from.getSecretKeyRef().getKey());
            if (value == null) {
                throw new AssertionError(container.getName() + " reads unknown Secret key "
                        + from.getSecretKeyRef().getKey());
            }
            return value;
        }
        if (from.getConfigMapKeyRef() != null) {
            ConfigMap configMap =
                    rendered.configMapNamed(from.getConfigMapKeyRef().getName());
            String value = configMap.getData().get(from.getConfigMapKeyRef().getKey());
            if (value == null) {
                throw new AssertionError(container.getName() + ": no key "
                        + from.getConfigMapKeyRef().getKey() + " in ConfigMap "
                        + configMap.getMetadata().getName());
            }
            return value;
        }
        if (from.getFieldRef() != null
                && "metadata.name".equals(from.getFieldRef().getFieldPath())) {
            return "pod-name"; // the downward API; callers that care set it themselves
        }
        if (from.getFieldRef() != null
                && "status.podIP".equals(from.getFieldRef().getFieldPath())) {
            return POD_IP;
        }
        throw new AssertionError(container.getName() + ": unsupported env source for " + variable.getName());
    }
}
