package io.mysqlproxy.app;

import io.mysqlproxy.testbed.ReplicatedTestBed;
import io.mysqlproxy.testbed.TestBedExtension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects a {@link ProxyFixture} into test constructors and methods: one proxy per test class, in front of the
 * JVM-wide {@link ReplicatedTestBed} of {@link TestBedExtension}, started on first injection and closed when the
 * class is done (the class-level store closes {@link AutoCloseable} values). A class annotated with
 * {@link ProxyOverrides} gets a proxy configured with them. Use together with
 * {@code TestBedExtension} when the bed itself is needed too.
 */
public final class ProxyExtension implements ParameterResolver {

    private static final Namespace NAMESPACE = Namespace.create(ProxyExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == ProxyFixture.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        ReplicatedTestBed bed = TestBedExtension.shared(extensionContext);
        bed.heal();
        ExtensionContext classContext = classContext(extensionContext);
        ProxyOverrides overrides = classContext.getRequiredTestClass().getAnnotation(ProxyOverrides.class);
        return classContext
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(
                        ProxyFixture.class,
                        key -> ProxyFixture.start(bed, overrides == null ? "" : overrides.value()),
                        ProxyFixture.class);
    }

    /** The test class's context, also when asked from a test method's (constructor injection per method). */
    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }
}
