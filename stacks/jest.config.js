// maxConcurrency: the config corpus runs a plan process per row, two at a time (two cores, shared).
module.exports = { ...require("../jest.preset.js"), testTimeout: 120000, maxConcurrency: 2 };
