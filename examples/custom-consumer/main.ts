import { App } from 'cdk8s';
import { buildPipeline, resolveEnvironment } from 'cdc8s';

// node main.js <environment file>: the pipeline that file describes, plus a consumer of our own.
const app = new App({ outdir: 'dist' });
const { consumers } = buildPipeline(resolveEnvironment(process.argv[2]), app);
consumers.addConsumer({
  name: 'audit-log',
  image: { registry: 'ghcr.io', repository: 'example/audit-log', tag: '1.0.0' },
  tables: ['public.transactions'],
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
});
app.synth();
