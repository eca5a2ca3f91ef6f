/** What an HTTP workload offers to whatever exposes it outside the cluster. */
export interface HttpBackend {
  /** The ClusterIP/NodePort Service in front of the pods. */
  readonly serviceName: string;
  readonly namespace: string;
  /** Service port the load balancer sends traffic to. */
  readonly servicePort: number;
  /** Container port, for load balancers that health-check pods directly. */
  readonly targetPort: number;
  /** Path that answers 200 when a pod can take traffic. */
  readonly healthCheckPath: string;
  /** Public host name, when the platform exposes one. */
  readonly hostname?: string;
  readonly labels: Record<string, string>;
}
