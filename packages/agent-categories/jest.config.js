// The explore run (FC_EXPLORE=1, npm run test:explore) makes ten times the property runs: give them time.
module.exports = { ...require("../../jest.preset.js"), ...(process.env.FC_EXPLORE === "1" ? { testTimeout: 1_800_000 } : {}) };
