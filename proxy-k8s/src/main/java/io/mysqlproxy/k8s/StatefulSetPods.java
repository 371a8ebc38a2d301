package io.mysqlproxy.k8s;

import io.fabric8.kubernetes.api.model.ObjectReference;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Which endpoints of the Service are database servers: those whose targetRef names a pod
 * {@code <statefulset>-<ordinal>} in the Service's namespace and, when a label is configured, a pod
 * that carries it. Anything else among the endpoints (an address added by hand, with no pod; another
 * workload's pod that a too-wide selector or a hand-written EndpointSlice let in) could be anyone's
 * server, and would be handed users' passwords.
 */
final class StatefulSetPods {

    /** Why an endpoint is not taken; {@link #label()} is the metrics label. */
    enum Reason {
        /** No targetRef, or one without a name: no pod at all. */
        NO_TARGET_REF,
        /** A targetRef to something else than a pod of the StatefulSet in this namespace. */
        FOREIGN_POD,
        /** A pod of the StatefulSet without the configured label. */
        LABEL;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final String namespace;
    private final String statefulSet;
    private final Predicate<String> labelled;

    /**
     * @param labelled whether the named pod carries the configured label (always true when none is)
     */
    StatefulSetPods(String namespace, String statefulSet, Predicate<String> labelled) {
        this.namespace = namespace;
        this.statefulSet = statefulSet;
        this.labelled = labelled;
    }

    /** Every pod of the StatefulSet is taken: no label to check. */
    static StatefulSetPods named(String namespace, String statefulSet) {
        return new StatefulSetPods(namespace, statefulSet, pod -> true);
    }

    /** Why the endpoint with this targetRef is not taken, or empty if it is. */
    Optional<Reason> refusal(ObjectReference target) {
        if (target == null || target.getName() == null || target.getName().isEmpty()) {
            return Optional.of(Reason.NO_TARGET_REF);
        }
        // The EndpointSlice controller always fills kind and namespace; a reference without them was not
        // written by it.
        if (!"Pod".equals(target.getKind())
                || !namespace.equals(target.getNamespace())
                || !isOrdinalOf(target.getName())) {
            return Optional.of(Reason.FOREIGN_POD);
        }
        return labelled.test(target.getName()) ? Optional.empty() : Optional.of(Reason.LABEL);
    }

    /**
     * {@code <statefulset>-<ordinal>} exactly, as the StatefulSet controller names its pods: a decimal
     * number without leading zeros. {@code mysql-backup-0} is not a pod of StatefulSet {@code mysql}.
     */
    private boolean isOrdinalOf(String pod) {
        if (!pod.startsWith(statefulSet + "-")) {
            return false;
        }
        String digits = pod.substring(statefulSet.length() + 1);
        return !digits.isEmpty()
                && digits.length() <= 9
                && digits.chars().allMatch(c -> c >= '0' && c <= '9')
                && (digits.length() == 1 || digits.charAt(0) != '0');
    }

    @Override
    public String toString() {
        return "pods " + namespace + "/" + statefulSet + "-<ordinal>";
    }
}
