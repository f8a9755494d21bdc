/** @type {import('next').NextConfig} */
module.exports = {
  // The app is a test target: nothing to lint or type-check, and no source maps.
  typescript: { ignoreBuildErrors: true },
  productionBrowserSourceMaps: false,
};
