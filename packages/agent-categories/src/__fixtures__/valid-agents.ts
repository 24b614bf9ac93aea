import { defineAgent } from "../agents";

export const fine = [
  defineAgent({ name: "bi-reader", category: "business-intelligence", mcpServers: ["gong"], instructions: "Reads Gong." }),
  defineAgent({ name: "infra-reader", category: "infrastructure", instructions: "Reads plans." }),
];
