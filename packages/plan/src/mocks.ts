// Mocks for the SDK's mock mode that record every registered resource. Outputs a provider would
// compute are filled in deterministically (mock mode leaves them undefined otherwise).
import type * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  /** Logical name of the provider resource, where one was given. */
  readonly provider?: string;
  readonly inputs: Readonly<Record<string, unknown>>;
}

/** Outputs that providers compute, per resource type. */
const COMPUTED: Record<string, (name: string, inputs: Record<string, unknown>) => Record<string, unknown>> = {
  "random:index/randomPassword:RandomPassword": (name) => ({ result: `mock-password-${name}`, bcryptHash: `mock-bcrypt-${name}` }),
  "random:index/randomBytes:RandomBytes": (name) => ({ hex: `mock-hex-${name}`, base64: `mock-base64-${name}` }),
  "random:index/randomId:RandomId": (name) => ({ hex: `mock-${name}`, b64Url: `mock-${name}` }),
  "docker:index/network:Network": (name, inputs) => ({ name: inputs.name ?? name }),
  "docker:index/volume:Volume": (name, inputs) => ({ name: inputs.name ?? name }),
  // For an image that is not pushed, repoDigest is the built image's id; a plan can only name it.
  "docker:index/image:Image": (name, inputs) => ({ repoDigest: mockImageId(String(inputs.imageName ?? name)), imageName: inputs.imageName ?? name }),
  "docker:index/container:Container": (name, inputs) => ({ name: inputs.name ?? name, networkDatas: [] }),
  // A pulled image's id is known only once pulled; the plan names the pinned reference instead.
  "docker:index/remoteImage:RemoteImage": (name, inputs) => ({ imageId: inputs.name ?? name, repoDigest: inputs.name ?? name }),
};

/** The id mock mode gives a built image; the smoke replaces it with the real id once it has built it. */
export function mockImageId(imageName: string): string {
  return `mock-id-of(${imageName})`;
}

const providerName = (ref: string | undefined) => (ref ? ref.split("::")[3] : undefined);

export type ComputedOutputs = (name: string, inputs: Record<string, unknown>) => Record<string, unknown>;

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];

  /** `overrides` replace the computed outputs of some types (the smoke makes real random tokens). */
  constructor(private readonly overrides: Readonly<Record<string, ComputedOutputs>> = {}) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const inputs = (args.inputs ?? {}) as Record<string, unknown>;
    this.resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, provider: providerName(args.provider), inputs });
    const computed = (this.overrides[args.type] ?? COMPUTED[args.type])?.(args.name, inputs) ?? {};
    return { id: args.custom === false ? undefined : `${args.name}-id`, state: { ...inputs, ...computed } };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    return args.inputs as Record<string, unknown>;
  }
}
