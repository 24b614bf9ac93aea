import { wheelArchitectures } from "./build-image-contexts";

test("a stack's wheel architectures come from its images' platforms (a gh200 node is arm64)", () => {
  const plan = ['build: {context: "a", platform: "linux/amd64"}', 'build: {context: "b", platform: "linux/arm64"}', 'build: {context: "c", platform: "linux/amd64"}'].join("\n");
  expect(wheelArchitectures(plan)).toEqual(["x86_64", "aarch64"]);
  expect(wheelArchitectures("no images here")).toEqual([]);
});
