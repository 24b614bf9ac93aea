// What `pulumi preview --policy-pack packages/policy/pack` runs: the pack of ../src/pack.ts. The
// policy runtime compiles TypeScript itself (typescript is a dev dependency here) and resolves
// @pulumi/policy from the repository's node_modules.
import { servePolicyPack } from "../src/pack";

servePolicyPack();
