// Shared jest settings: every project transpiles TypeScript with ts-jest (type checking is the
// separate `typecheck` target, so tests stay fast on a two-core machine).
module.exports = {
  testEnvironment: "node",
  testMatch: ["<rootDir>/src/**/*.test.ts", "<rootDir>/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  // Image build contexts' dist/ hold copies of packages (sophia-ops's program tree): not modules here.
  modulePathIgnorePatterns: ["<rootDir>/images/.*/dist/"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: { isolatedModules: true, module: "node16", moduleResolution: "node16", esModuleInterop: true, resolveJsonModule: true, target: "ES2022" }, diagnostics: false }],
  },
  moduleFileExtensions: ["ts", "js", "json"],
};
