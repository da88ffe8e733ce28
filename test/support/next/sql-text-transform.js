/** jest: an imported .sql file is its text, as esbuild's text loader makes it in packages/next/build.mjs. */
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)};` };
  },
};
