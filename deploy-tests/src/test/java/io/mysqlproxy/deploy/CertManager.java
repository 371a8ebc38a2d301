package io.mysqlproxy.deploy;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Version;

import java.util.List;
import java.util.Map;

/**
 * cert-manager's Issuer and Certificate (cert-manager.io/v1), typed for the fields components/cert-manager uses.
 * fabric8 publishes no model for them here, so they are declared as {@link PodMonitor} is: a field not declared
 * lands in additionalProperties, which StrictModel rejects.
 */
final class CertManager {

    private CertManager() {}

    @Group("cert-manager.io")
    @Version("v1")
    @Kind("Issuer")
    public static class Issuer extends CustomResource<IssuerSpec, Void> implements Namespaced {
        private static final long serialVersionUID = 1L;
    }

    /** {@code selfSigned: {}} or {@code ca: {secretName}}. */
    public static class IssuerSpec extends PodMonitor.Open {
        private Map<String, Object> selfSigned;
        private Ca ca;

        public Map<String, Object> getSelfSigned() {
            return selfSigned;
        }

        public void setSelfSigned(Map<String, Object> selfSigned) {
            this.selfSigned = selfSigned;
        }

        public Ca getCa() {
            return ca;
        }

        public void setCa(Ca ca) {
            this.ca = ca;
        }
    }

    public static class Ca extends PodMonitor.Open {
        private String secretName;

        public String getSecretName() {
            return secretName;
        }

        public void setSecretName(String secretName) {
            this.secretName = secretName;
        }
    }

    @Group("cert-manager.io")
    @Version("v1")
    @Kind("Certificate")
    public static class Certificate extends CustomResource<CertificateSpec, Void> implements Namespaced {
        private static final long serialVersionUID = 1L;
    }

    public static class CertificateSpec extends PodMonitor.Open {
        private String secretName;
        private String commonName;
        private Boolean isCA;
        private List<String> dnsNames = List.of();
        private List<String> ipAddresses = List.of();
        private List<String> usages = List.of();
        private String duration;
        private String renewBefore;
        private PrivateKey privateKey;
        private IssuerRef issuerRef;

        public String getSecretName() {
            return secretName;
        }

        public void setSecretName(String secretName) {
            this.secretName = secretName;
        }

        public String getCommonName() {
            return commonName;
        }

        public void setCommonName(String commonName) {
            this.commonName = commonName;
        }

        // cert-manager spells it isCA; a getter named getIsCA keeps that name for Jackson.
        public Boolean getIsCA() {
            return isCA;
        }

        public void setIsCA(Boolean isCA) {
            this.isCA = isCA;
        }

        public List<String> getDnsNames() {
            return dnsNames;
        }

        public void setDnsNames(List<String> dnsNames) {
            this.dnsNames = dnsNames;
        }

        public List<String> getIpAddresses() {
            return ipAddresses;
        }

        public void setIpAddresses(List<String> ipAddresses) {
            this.ipAddresses = ipAddresses;
        }

        public List<String> getUsages() {
            return usages;
        }

        public void setUsages(List<String> usages) {
            this.usages = usages;
        }

        public String getDuration() {
            return duration;
        }

        public void setDuration(String duration) {
            this.duration = duration;
        }

        public String getRenewBefore() {
            return renewBefore;
        }

        public void setRenewBefore(String renewBefore) {
            this.renewBefore = renewBefore;
        }

        public PrivateKey getPrivateKey() {
            return privateKey;
        }

        public void setPrivateKey(PrivateKey privateKey) {
            this.privateKey = privateKey;
        }

        public IssuerRef getIssuerRef() {
            return issuerRef;
        }

        public void setIssuerRef(IssuerRef issuerRef) {
            this.issuerRef = issuerRef;
        }
    }

    public static class PrivateKey extends PodMonitor.Open {
        private String algorithm;
        private Integer size;
        private String rotationPolicy;

        public String getAlgorithm() {
            return algorithm;
        }

        public void setAlgorithm(String algorithm) {
            this.algorithm = algorithm;
        }

        public Integer getSize() {
            return size;
        }

        public void setSize(Integer size) {
            this.size = size;
        }

        public String getRotationPolicy() {
            return rotationPolicy;
        }

        public void setRotationPolicy(String rotationPolicy) {
            this.rotationPolicy = rotationPolicy;
        }
    }

    public static class IssuerRef extends PodMonitor.Open {
        private String kind;
        private String name;

        public String getKind() {
            return kind;
        }

        public void setKind(String kind) {
            this.kind = kind;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }
    }
}
