package io.mysqlproxy.testbed;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects a {@link ReplicatedTestBed} into test constructors and methods of classes annotated with
 * {@code @ExtendWith(TestBedExtension.class)}.
 *
 * <p>Starting servers takes seconds, so one bed (primary + {@value ReplicatedTestBed#DEFAULT_REPLICAS} replicas)
 * is started lazily, on the first injection in the JVM, and shared by all test classes. It lives in the root
 * context's store, which closes it when the whole run ends. Because tests may kill servers and fail before
 * restarting them, every injection {@link ReplicatedTestBed#heal() heals} the bed first; tests should still
 * use their own tables, since the data is shared too.
 */
public final class TestBedExtension implements ParameterResolver {

    private static final Namespace NAMESPACE = Namespace.create(TestBedExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == ReplicatedTestBed.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        ReplicatedTestBed bed = shared(extensionContext);
        bed.heal();
        return bed;
    }

    /** The JVM-wide bed, started on first use; the root store closes it because it is {@link AutoCloseable}. */
    public static ReplicatedTestBed shared(ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(
                        ReplicatedTestBed.class, key -> ReplicatedTestBed.start(), ReplicatedTestBed.class);
    }
}
