import { AppSettings } from '../model/config';
import { imageReference } from '../constructs/k8s/image';
import { WorkloadProps } from '../constructs/k8s/workload';

/** The Workload props an app's config section decides. */
export type AppWorkloadProps = Pick<
  WorkloadProps,
  'name' | 'namespace' | 'instance' | 'image' | 'version' | 'replicas' | 'port' | 'runAsUser' | 'readinessPath' | 'livenessPath' | 'resources'
>;

/** Maps the API's or a consumer's config section onto Workload props (component, env and mounts are the chart's). */
export function appWorkload(app: AppSettings, namespace: string, instance: string): AppWorkloadProps {
  return {
    name: app.name,
    namespace,
    instance,
    image: imageReference(app.image),
    version: app.image.tag,
    replicas: app.replicas,
    port: app.port,
    runAsUser: app.runAsUser,
    readinessPath: app.probes.readinessPath,
    livenessPath: app.probes.livenessPath,
    resources: app.resources,
  };
}
