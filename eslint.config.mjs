import js from "@eslint/js";
import nx from "@nx/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/*.js", "**/*.mjs", "**/__fixtures__/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  {
    // The arrows point down: tools → operations (deploy, verify, review, local-apply) → libraries
    // (the components and pure libraries); stacks → libraries. Never back up, never in a circle, and
    // never into another project by a relative path. Each project's layer is its `nx.tags` (tools:
    // project.json). docs/ARCHITECTURE.md has the picture.
    files: ["**/*.ts"],
    plugins: { "@nx": nx },
    rules: {
      "@nx/enforce-module-boundaries": [
        "error",
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: "layer:tools", onlyDependOnLibsWithTags: ["layer:operations", "layer:library", "layer:stacks"] },
            { sourceTag: "layer:operations", onlyDependOnLibsWithTags: ["layer:operations", "layer:library"] },
            { sourceTag: "layer:stacks", onlyDependOnLibsWithTags: ["layer:library"] },
            { sourceTag: "layer:library", onlyDependOnLibsWithTags: ["layer:library"] },
          ],
        },
      ],
    },
  },
);
