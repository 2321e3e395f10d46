module.exports = function (eleventyConfig) {
  // feedgen's output (fragment, data and media) is copied as it is.
  eleventyConfig.addPassthroughCopy("feed");
  eleventyConfig.ignores.add("feed/**");
  return { dir: { input: ".", output: "_site" }, htmlTemplateEngine: "njk" };
};
