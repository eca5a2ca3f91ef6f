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
