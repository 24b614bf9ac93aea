import { isMcpServerName, MCP_SERVER_NAMES, MCP_SERVER_SUMMARIES } from "./catalog";

describe("the MCP server catalog", () => {
  it("describes every named server under its own name", () => {
    expect(Object.keys(MCP_SERVER_SUMMARIES).sort()).toEqual([...MCP_SERVER_NAMES].sort());
    for (const name of MCP_SERVER_NAMES) expect(MCP_SERVER_SUMMARIES[name].name).toBe(name);
  });

  it("tells catalog names from anything else", () => {
    expect(isMcpServerName("memory")).toBe(true);
    expect(isMcpServerName("slack")).toBe(false);
  });

  it("marks only the servers that need outside credentials as optional", () => {
    expect(MCP_SERVER_NAMES.filter((n) => MCP_SERVER_SUMMARIES[n].optional)).toEqual(["gong"]);
  });
});
