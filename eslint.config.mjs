// ESLint (flat config): Next's core-web-vitals rules (React, React hooks, Next, a11y basics),
// typescript-eslint's recommended rules. `npm run lint` fails on any warning.
import nextVitals from "eslint-config-next/core-web-vitals";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig([
  ...nextVitals,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_name`: deliberately unused (a required parameter, a type-level check).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ["**/*.test.ts", "**/*.test.tsx", "test/**/*.ts", "e2e/**/*.ts"],
    rules: {
      // useTestDatabase() and Playwright's `use` fixtures are not React hooks.
      "react-hooks/rules-of-hooks": "off",
      // Tests read JSON answers and check them with expect(); typing every body adds nothing there.
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  globalIgnores([
    ".next/**",
    ".liber/**",
    "coverage/**",
    "data/**",
    "lib/db/generated/**",
    "next-env.d.ts",
    "playwright-report/**",
    "test-results/**",
  ]),
]);
