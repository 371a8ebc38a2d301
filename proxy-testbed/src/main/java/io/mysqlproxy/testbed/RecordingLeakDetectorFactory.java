package io.mysqlproxy.testbed;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Creates leak detectors that remember every leak they report (and still log it as Netty does), so a test
 * can fail on leaks instead of merely printing them.
 */
final class RecordingLeakDetectorFactory extends ResourceLeakDetectorFactory {

    private final Queue<LeakReport> reports = new ConcurrentLinkedQueue<>();
    private final List<RecordingDetector<?>> detectors = new CopyOnWriteArrayList<>();

    /** Netty requires implementing this deprecated variant; maxActive has been ignored by Netty for years. */
    @Override
    @Deprecated
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(
            Class<T> resource, int samplingInterval, long maxActive) {
        return newResourceLeakDetector(resource, samplingInterval);
    }

    @Override
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
        RecordingDetector<T> detector = new RecordingDetector<>(resource, samplingInterval, reports);
        detectors.add(detector);
        return detector;
    }

    /** By class name, so callers need not have the resource class (e.g. netty-buffer's ByteBuf) on their class path. */
    boolean createdDetectorFor(String resourceClassName) {
        return detectors.stream()
                .anyMatch(detector -> detector.resource.getName().equals(resourceClassName));
    }

    /**
     * Makes every detector poll its queue of collected-but-unreleased objects. Netty only does that when it
     * tracks a new object, so a leak found by the last GC would otherwise go unreported until the next
     * allocation, i.e. possibly never. A forced sentinel track does it for every resource type at once.
     */
    void drainPendingReports() {
        for (RecordingDetector<?> detector : detectors) {
            detector.poll();
        }
    }

    /** Returns and forgets the leaks reported so far. */
    List<LeakReport> takeReports() {
        List<LeakReport> taken = new ArrayList<>();
        for (LeakReport report = reports.poll(); report != null; report = reports.poll()) {
            taken.add(report);
        }
        return taken;
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {

        private final Class<T> resource;
        private final Queue<LeakReport> reports;

        RecordingDetector(Class<T> resource, int samplingInterval, Queue<LeakReport> reports) {
            super(resource, samplingInterval);
            this.resource = resource;
            this.reports = reports;
        }

        /** Netty skips reporting altogether when its logger has ERROR disabled; leaks must fail tests regardless. */
        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            reports.add(new LeakReport(resourceType, records));
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            reports.add(new LeakReport(resourceType, ""));
            super.reportUntracedLeak(resourceType);
        }

        @SuppressWarnings("unchecked")
        void poll() {
            // Any object will do: only the side effect of tracking (draining the reference queue) matters.
            Object sentinel = new Object();
            ResourceLeakTracker<T> tracker = trackForcibly((T) sentinel);
            tracker.close((T) sentinel);
        }
    }
}
