import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, file, RenderedObject, objectsOf, ofKind, render, renderVariant } from './helpers';
import { parseDockerfile } from '../e2e/harness/postgres-root';

const connectOf = (objects: RenderedObject[]) => ofKind(objects, 'KafkaConnect')[0];
const streamingNamespace = (objects: RenderedObject[]) => ofKind(objects, 'Namespace').find((n) => n.metadata.name === 'cdc-streaming') as RenderedObject;

describe('Strimzi builds the Connect image with Buildah, which can push only with a push Secret', () => {
  it.each(['eks', 'gke'])('%s: spec.build.output.pushSecret names a dockerconfigjson Secret that an External Secrets generator keeps fresh', (env) => {
    const objects = objectsOf(render(env));
    const output = connectOf(objects).spec.build.output;
    expect(output.pushSecret).toBeDefined();
    const secret = ofKind(objects, 'ExternalSecret').find((e) => e.metadata.name === output.pushSecret) as RenderedObject;
    expect(secret.metadata.namespace).toBe('cdc-streaming');
    expect(secret.spec.target.template.type).toBe('kubernetes.io/dockerconfigjson');
    const generatorRef = secret.spec.dataFrom[0].sourceRef.generatorRef;
    const generator = objects.find((o) => o.kind === generatorRef.kind && o.metadata.name === generatorRef.name) as RenderedObject;
    expect(generator.apiVersion).toBe('generators.external-secrets.io/v1alpha1');
    expect(generator.kind).toBe(env === 'eks' ? 'ECRAuthorizationToken' : 'GCRAccessToken');
    // The Docker login is for the registry the image is pushed to.
    const host = String(output.image).split('/')[0];
    expect(secret.spec.target.template.data['.dockerconfigjson']).toContain(`"${host}"`);
    // containers/image (Buildah) reads only auths.<host>.auth or identitytoken; both generators
    // output username and password (connect-image-push.e2e.ts runs ESO's engine and skopeo on it).
    expect(secret.spec.target.template.data['.dockerconfigjson']).toBe(`{"auths":{"${host}":{"auth":"{{ print .username ":" .password | b64enc }}"}}}`);
  });

  it("eks: the generator mints ECR tokens in the registry's region as the push role (IRSA on its ServiceAccount)", () => {
    const objects = objectsOf(render('eks'));
    const generator = ofKind(objects, 'ECRAuthorizationToken')[0];
    expect(generator.spec.region).toBe('eu-west-1');
    const account = ofKind(objects, 'ServiceAccount').find((s) => s.metadata.name === generator.spec.auth.jwt.serviceAccountRef.name) as RenderedObject;
    expect(account.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::123456789012:role/cdc8s-connect-build');
  });

  it('gke: the generator exchanges Workload Identity of this cluster for an Artifact Registry token', () => {
    const objects = objectsOf(render('gke'));
    const generator = ofKind(objects, 'GCRAccessToken')[0];
    expect(generator.spec.projectID).toBe('cdc8s-prod');
    expect(generator.spec.auth.workloadIdentity).toMatchObject({ clusterName: 'cdc8s-prod', clusterLocation: 'europe-west1' });
    const account = ofKind(objects, 'ServiceAccount').find((s) => s.metadata.name === generator.spec.auth.workloadIdentity.serviceAccountRef.name) as RenderedObject;
    expect(account.metadata.annotations?.['iam.gke.io/gcp-service-account']).toBe('connect-build@cdc8s-prod.iam.gserviceaccount.com');
  });

  it('refuses an EKS operator build whose registry is not ECR, naming the field', () => {
    expect(() =>
      renderVariant('eks', (c) => {
        c.images.registry = 'ghcr.io/example';
      }),
    ).toThrow(/\/images\/registry must be an Amazon ECR registry/);
  });

  it('an explicit connect.build.pushSecret is used as given, and no generator is rendered', () => {
    const objects = objectsOf(
      renderVariant('eks', (c) => {
        c.connect.build = { pushSecret: 'my-push-secret' };
      }),
    );
    expect(connectOf(objects).spec.build.output.pushSecret).toBe('my-push-secret');
    expect(ofKind(objects, 'ECRAuthorizationToken')).toEqual([]);
  });

  it('the build output tag names its content: another plugin checksum is another tag', () => {
    const tag = (objects: RenderedObject[]) => String(connectOf(objects).spec.build.output.image).split(':').pop();
    const base = tag(objectsOf(render('eks')));
    expect(base).toMatch(/^4\.3\.1-debezium-3\.7\.0\.Final-[0-9a-f]{12}$/);
    const other = tag(
      objectsOf(
        renderVariant('eks', (c) => {
          c.connect.pluginSha512 = 'a'.repeat(128);
        }),
      ),
    );
    expect(other).not.toBe(base);
  });
});

describe('with connect.image set, the workers run a prebuilt image and no build pod runs', () => {
  const prebuilt = {
    registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    repository: 'cdc8s/kafka-connect-debezium',
    tag: '4.3.1-debezium-3.7.0.Final',
    digest: `sha256:${'b'.repeat(64)}`,
  };

  it('renders spec.image and no spec.build, no push Secret and no generator', () => {
    const objects = objectsOf(
      renderVariant('eks', (c) => {
        c.connect.image = prebuilt;
      }),
    );
    const connect = connectOf(objects);
    expect(connect.spec.image).toBe(`${prebuilt.registry}/${prebuilt.repository}:${prebuilt.tag}@${prebuilt.digest}`);
    expect(connect.spec.build).toBeUndefined();
    expect(connect.spec.template.buildContainer).toBeUndefined();
    expect(ofKind(objects, 'ECRAuthorizationToken')).toEqual([]);
  });

  it('the streaming namespace enforces restricted like the others (baseline only while Strimzi builds)', () => {
    expect(streamingNamespace(objectsOf(render('eks'))).metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('baseline');
    const objects = objectsOf(
      renderVariant('eks', (c) => {
        c.connect.image = prebuilt;
      }),
    );
    expect(streamingNamespace(objects).metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it("writes the build context: a Dockerfile from Strimzi's Kafka image with the plugin checked against its sha512", () => {
    const rendered = renderVariant('eks', (c) => {
      c.connect.image = prebuilt;
    });
    // As a build without --build-arg reads it: the pins are the arguments' defaults.
    const steps = parseDockerfile(file(rendered, 'images/kafka-connect-debezium/eks/Dockerfile'));
    expect(steps[0]).toEqual({ keyword: 'FROM', args: 'quay.io/strimzi/kafka:1.2.0-kafka-4.3.1' });
    const run = steps.find((s) => s.keyword === 'RUN')?.args;
    expect(run).toContain('"https://repo1.maven.org/maven2/io/debezium/debezium-connector-postgres/3.7.0.Final/debezium-connector-postgres-3.7.0.Final-plugin.tar.gz"');
    expect(run).toContain(
      `echo "${connectOf(objectsOf(render('eks'))).spec.build.plugins[0].artifacts[0].sha512sum}  /tmp/debezium-connector-postgres-plugin.tar.gz" | sha512sum --check --strict -`,
    );
    expect(steps.at(-1)).toEqual({ keyword: 'USER', args: '1001' });
  });

  it('minikube runs an image built into its node store: no registry that expires images (ttl.sh)', () => {
    const rendered = render('minikube');
    for (const o of objectsOf(rendered)) expect(JSON.stringify(o)).not.toContain('ttl.sh');
    expect(connectOf(objectsOf(rendered)).spec.image).toBe('cdc8s.local/kafka-connect-debezium:4.3.1-debezium-3.7.0.Final');
    expect(rendered.files.has('images/kafka-connect-debezium/minikube/Dockerfile')).toBe(true);
  });
});

describe('images we run but do not build are pinned by digest on EKS and GKE', () => {
  it.each([
    [
      'eks',
      '/postgres/baseImage/digest',
      (c: any) => {
        delete c.postgres.baseImage.digest;
      },
    ],
    [
      'gke',
      '/api/image/digest',
      (c: any) => {
        delete c.api.image.digest;
      },
    ],
    [
      'eks',
      '/consumers/1/image/digest',
      (c: any) => {
        delete c.consumers[1].image.digest;
      },
    ],
  ])('%s: a tag-only image is refused at %s', (env, path, change) => {
    expect(() => renderVariant(env, change)).toThrow(new RegExp(`${path.replaceAll('/', '\\/')} is required \\(.* is pinned by tag only\\)`));
  });

  it.each(['eks', 'gke'])('%s: every workload image carries a digest', (env) => {
    const images = objectsOf(render(env)).flatMap((o) => (o.spec?.template?.spec?.containers ?? []).map((c: { image: string }) => c.image));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      // Our own Postgres image is named by the digest of its context; the rest by registry digest.
      expect(image).toMatch(/@sha256:[0-9a-f]{64}$|postgres-debezium:[^@]+-[0-9a-f]{12}$/);
    }
  });

  it('minikube keeps tags (images are built on the node)', () => {
    expect(ENVIRONMENTS).toContain('minikube');
    expect(() => render('minikube')).not.toThrow();
  });
});
