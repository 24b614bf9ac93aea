// The Gong server's base URL comes from the stack's config, and an enabled gong without it is refused
// by name.
import { gongServerEnv } from "./src/mcp";

test("gong's base URL reaches its server's environment; enabled without it, the stack file and key are named", () => {
  expect(gongServerEnv("local", ["sophia-ops", "memory"], undefined)).toEqual({});
  expect(gongServerEnv("staging", ["sophia-ops", "gong"], { baseUrl: "https://us-12345.api.gong.io" })).toEqual({ gong: { GONG_BASE_URL: "https://us-12345.api.gong.io" } });
  expect(() => gongServerEnv("production", ["gong"], undefined)).toThrow(/^stacks\/Pulumi\.production\.yaml: sophia:gong: gong is in sophia:mcpServers, so it needs your company's Gong API base URL/);
});
