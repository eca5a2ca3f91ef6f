import { k8s } from 'cdk8s-plus-27';

/**
 * Security contexts that meet the Pod Security Standards `restricted` profile
 * (kubernetes.io/docs/concepts/security/pod-security-standards): non-root, no privilege
 * escalation, every capability dropped, the runtime's default seccomp profile.
 */
export function restrictedPodSecurityContext(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    // Only chown volumes whose root does not already match: large data volumes restart faster.
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Pod security context for Strimzi-managed pods (Kafka, entity operator, Connect): non-root and the
 * runtime's seccomp profile; the images' own UID (1001) is kept. Kafka pods also get `fsGroup: 0`,
 * what Strimzi's providers set for them: its images let group 0 write, and the data volumes need it.
 */
export function strimziPodSecurityContext(options: { readonly writesVolumes: boolean }): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
    ...(options.writesVolumes ? { fsGroup: 0 } : {}),
  };
}

/**
 * The Connect image build (Kaniko, or Buildah behind Strimzi's feature gate) needs root to
 * assemble an image, so `restricted` cannot apply to it. Setting its context explicitly is also
 * what lets the operator run with the restricted provider: without one it refuses to create the
 * build (RestrictedPodSecurityProvider, strimzi-kafka-operator). It is what the baseline
 * provider gives the builder, minus privilege escalation; the namespace enforces `baseline`.
 */
export function connectBuildSecurityContext(): k8s.SecurityContext {
  return { runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: false, privileged: false };
}
