import { defineConfig } from "astro/config";
export default defineConfig({ site: "https://example.org", build: { format: "directory" } });
