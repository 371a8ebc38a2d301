package io.mysqlproxy.core.topology;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable view of the backends: one primary, any number of replicas, and the condition of
 * each. A change (a health check's result, discovery, a reload) publishes a new snapshot through
 * {@link TopologyHolder}; sessions read whichever one is current, without locks. The usable
 * replicas are listed once here, so that choosing one per statement allocates nothing.
 */
public final class Topology {

    private final Backend primary;
    private final List<Backend> replicas;
    private final List<Backend> all;
    private final List<Backend> usableReplicas;
    private final Map<Backend, BackendCondition> conditions;

    /** {@code conditions} must hold every backend of the topology; any others are dropped. */
    public Topology(Backend primary, List<Backend> replicas, Map<Backend, BackendCondition> conditions) {
        this.primary = Objects.requireNonNull(primary, "primary");
        this.replicas = List.copyOf(replicas);
        List<Backend> everyone = new ArrayList<>(this.replicas.size() + 1);
        everyone.add(primary);
        everyone.addAll(this.replicas);
        this.all = List.copyOf(everyone);
        Map<Backend, BackendCondition> kept = new HashMap<>();
        for (Backend backend : all) {
            kept.put(backend, Objects.requireNonNull(conditions.get(backend), () -> "no condition for " + backend));
        }
        this.conditions = Map.copyOf(kept);
        this.usableReplicas = this.replicas.stream()
                .filter(replica -> kept.get(replica).usable())
                .toList();
    }

    /** Every backend up, with weight 1, nothing measured yet. */
    public static Topology of(Backend primary, List<Backend> replicas) {
        Map<Backend, BackendCondition> conditions = new HashMap<>();
        conditions.put(primary, BackendCondition.initial(1));
        replicas.forEach(replica -> conditions.put(replica, BackendCondition.initial(1)));
        return new Topology(primary, replicas, conditions);
    }

    public Backend primary() {
        return primary;
    }

    public List<Backend> replicas() {
        return replicas;
    }

    /** Every backend, the primary first. */
    public List<Backend> all() {
        return all;
    }

    /** The replicas that take new reads now (state UP), in the order of {@link #replicas()}. */
    public List<Backend> usableReplicas() {
        return usableReplicas;
    }

    public boolean contains(Backend backend) {
        return conditions.containsKey(backend);
    }

    /** The condition of {@code backend} in this snapshot, or null if it is not part of it. */
    public BackendCondition condition(Backend backend) {
        return conditions.get(backend);
    }

    /** The state of {@code backend}; one that left the topology is draining (its work finishes, none starts). */
    public BackendState state(Backend backend) {
        BackendCondition condition = conditions.get(backend);
        return condition == null ? BackendState.DRAINING : condition.state();
    }

    /** This snapshot with {@code backend} in {@code condition}; this one if it is not a member or nothing changes. */
    public Topology with(Backend backend, BackendCondition condition) {
        BackendCondition current = conditions.get(backend);
        if (current == null || current.equals(condition)) {
            return this;
        }
        Map<Backend, BackendCondition> next = new HashMap<>(conditions);
        next.put(backend, condition);
        return new Topology(primary, replicas, next);
    }

    @Override
    public String toString() {
        return "primary " + primary + ", replicas " + replicas;
    }
}
